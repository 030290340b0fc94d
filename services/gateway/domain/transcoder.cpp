#include "domain/transcoder.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/field_mask.pb.h>
#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/time_util.h>

#include <charconv>
#include <set>

#include "domain/proto_json.h"
#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/json.h"

namespace fleetdeck::gateway {
namespace {

namespace pb = google::protobuf;

const pb::FieldDescriptor* findField(const pb::Descriptor* message, std::string_view name) {
  const std::string key(name);
  if (const auto* field = message->FindFieldByName(key)) return field;
  if (const auto* field = message->FindFieldByCamelcaseName(key)) return field;
  return nullptr;
}

// "update_mask" paths use proto names; clients may send JSON names.
std::string toSnakeCase(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (c >= 'A' && c <= 'Z') {
      out += '_';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

bool isWellKnown(const pb::Descriptor* message) { return message->file()->package() == "google.protobuf"; }

template <typename T>
bool parseInteger(std::string_view text, T& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc{} && end == text.data() + text.size();
}

// Sets one (possibly repeated) scalar field from text, as query parameters and path segments arrive.
Status setFromText(pb::Message& message, const pb::FieldDescriptor* field, std::string_view text,
                   const std::string& clientName) {
  const pb::Reflection* reflection = message.GetReflection();
  const bool repeated = field->is_repeated();
  switch (field->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      if (field->type() == pb::FieldDescriptor::TYPE_STRING) {
        FLEETDECK_RETURN_IF_ERROR(checkStringField(clientName, text));
      }
      repeated ? reflection->AddString(&message, field, std::string(text))
               : reflection->SetString(&message, field, std::string(text));
      return Status::ok();
    case pb::FieldDescriptor::CPPTYPE_INT32: {
      int32_t value = 0;
      if (!parseInteger(text, value)) return invalidField(clientName, "must be a 32-bit integer");
      repeated ? reflection->AddInt32(&message, field, value) : reflection->SetInt32(&message, field, value);
      return Status::ok();
    }
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      int64_t value = 0;
      if (!parseInteger(text, value)) return invalidField(clientName, "must be an integer");
      repeated ? reflection->AddInt64(&message, field, value) : reflection->SetInt64(&message, field, value);
      return Status::ok();
    }
    case pb::FieldDescriptor::CPPTYPE_UINT32: {
      uint32_t value = 0;
      if (!parseInteger(text, value)) return invalidField(clientName, "must be a non-negative 32-bit integer");
      repeated ? reflection->AddUInt32(&message, field, value) : reflection->SetUInt32(&message, field, value);
      return Status::ok();
    }
    case pb::FieldDescriptor::CPPTYPE_UINT64: {
      uint64_t value = 0;
      if (!parseInteger(text, value)) return invalidField(clientName, "must be a non-negative integer");
      repeated ? reflection->AddUInt64(&message, field, value) : reflection->SetUInt64(&message, field, value);
      return Status::ok();
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      if (text != "true" && text != "false") return invalidField(clientName, "must be true or false");
      repeated ? reflection->AddBool(&message, field, text == "true")
               : reflection->SetBool(&message, field, text == "true");
      return Status::ok();
    }
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
    case pb::FieldDescriptor::CPPTYPE_FLOAT: {
      const std::string copy(text);
      char* end = nullptr;
      const double value = std::strtod(copy.c_str(), &end);
      if (copy.empty() || end != copy.c_str() + copy.size()) return invalidField(clientName, "must be a number");
      if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_DOUBLE) {
        repeated ? reflection->AddDouble(&message, field, value) : reflection->SetDouble(&message, field, value);
      } else {
        repeated ? reflection->AddFloat(&message, field, static_cast<float>(value))
                 : reflection->SetFloat(&message, field, static_cast<float>(value));
      }
      return Status::ok();
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const auto* value = field->enum_type()->FindValueByName(std::string(text));
      if (value == nullptr) return invalidField(clientName, "is not a known value");
      repeated ? reflection->AddEnum(&message, field, value) : reflection->SetEnum(&message, field, value);
      return Status::ok();
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE: {
      if (repeated) break;
      pb::Message* child = reflection->MutableMessage(&message, field);
      const std::string& type = field->message_type()->full_name();
      if (type == "google.protobuf.FieldMask") {
        auto* mask = static_cast<pb::FieldMask*>(child);
        std::string_view rest = text;
        while (!rest.empty()) {
          const size_t comma = rest.find(',');
          if (std::string_view path = rest.substr(0, comma); !path.empty()) mask->add_paths(toSnakeCase(path));
          if (comma == std::string_view::npos) break;
          rest.remove_prefix(comma + 1);
        }
        return Status::ok();
      }
      if (type == "google.protobuf.Timestamp") {
        if (!pb::util::TimeUtil::FromString(std::string(text), static_cast<pb::Timestamp*>(child))) {
          return invalidField(clientName, "must be an RFC 3339 time such as 2026-01-31T12:00:00Z");
        }
        return Status::ok();
      }
      break;
    }
  }
  return invalidField(clientName, "cannot be set from a URL");
}

// Names (JSON spelling, "items[2].name") every string field of `message` holding a NUL character, which
// JSON can carry ("\u0000") but PostgreSQL text cannot: stored, it would be cut short or refused.
void findNulCharacters(const pb::Message& message, const std::string& prefix, ValidationErrors& errors) {
  const pb::Reflection* reflection = message.GetReflection();
  std::vector<const pb::FieldDescriptor*> fields;
  reflection->ListFields(message, &fields);
  for (const pb::FieldDescriptor* field : fields) {
    const std::string name = prefix + field->json_name();
    const int count = field->is_repeated() ? reflection->FieldSize(message, field) : 1;
    for (int i = 0; i < count; ++i) {
      const std::string where = field->is_repeated() ? name + "[" + std::to_string(i) + "]" : name;
      if (field->type() == pb::FieldDescriptor::TYPE_STRING) {
        std::string scratch;
        const std::string& value = field->is_repeated()
                                       ? reflection->GetRepeatedStringReference(message, field, i, &scratch)
                                       : reflection->GetStringReference(message, field, &scratch);
        if (value.find('\0') != std::string::npos) errors.add(where, "must not contain NUL characters");
      } else if (field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE && !isWellKnown(field->message_type())) {
        findNulCharacters(field->is_repeated() ? reflection->GetRepeatedMessage(message, field, i)
                                               : reflection->GetMessage(message, field),
                          where + ".", errors);
      }
    }
  }
}

// Resolves "a.b" (proto or JSON names) to the innermost message and field, creating parents.
Status setPath(pb::Message& root, std::string_view path, std::string_view text, const std::string& clientName) {
  pb::Message* message = &root;
  while (true) {
    const size_t dot = path.find('.');
    const auto* field = findField(message->GetDescriptor(), path.substr(0, dot));
    if (field == nullptr) return invalidField(clientName, "is not a parameter of this call");
    if (dot == std::string_view::npos) return setFromText(*message, field, text, clientName);
    if (field->message_type() == nullptr || field->is_repeated()) {
      return invalidField(clientName, "is not a parameter of this call");
    }
    message = message->GetReflection()->MutableMessage(message, field);
    path.remove_prefix(dot + 1);
  }
}

// The proto-name path of `path` (whose segments may be JSON names: "orderId" and "order_id" are one
// field), or `path` itself when it names no field: how to tell that two spellings bind the same field.
std::string canonicalPath(const pb::Descriptor* message, std::string_view path) {
  std::string canonical;
  while (message != nullptr) {
    const size_t dot = path.find('.');
    const auto* field = findField(message, path.substr(0, dot));
    if (field == nullptr) break;
    canonical += (canonical.empty() ? "" : ".") + field->name();
    if (dot == std::string_view::npos) return canonical;
    message = field->message_type();
    path.remove_prefix(dot + 1);
  }
  return std::string(path);
}

// Whether `path` names a repeated field: the one kind of query parameter that may come more than once.
bool namesRepeatedField(const pb::Descriptor* message, std::string_view path) {
  while (message != nullptr) {
    const size_t dot = path.find('.');
    const auto* field = findField(message, path.substr(0, dot));
    if (field == nullptr) return false;
    if (dot == std::string_view::npos) return field->is_repeated();
    message = field->message_type();
    path.remove_prefix(dot + 1);
  }
  return false;
}

// Reports JSON keys that are not fields of the target message, with the client's path to them.
void findUnknownFields(const boost::json::object& object, const pb::Descriptor* descriptor, const std::string& prefix,
                       ValidationErrors& errors) {
  for (const auto& [key, value] : object) {
    const std::string path = prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
    const pb::FieldDescriptor* field = findField(descriptor, key);
    if (field == nullptr) {
      errors.add(path, "is not a field of " + descriptor->name());
      continue;
    }
    const pb::Descriptor* child = field->message_type();
    if (child == nullptr || isWellKnown(child) || field->is_map()) continue;
    if (field->is_repeated()) {
      if (const auto* array = value.if_array()) {
        for (size_t i = 0; i < array->size(); ++i) {
          if (const auto* element = (*array)[i].if_object()) {
            findUnknownFields(*element, child, path + "[" + std::to_string(i) + "]", errors);
          }
        }
      }
    } else if (const auto* nested = value.if_object()) {
      findUnknownFields(*nested, child, path, errors);
    }
  }
}

// protobuf reports type errors as "(user.email): invalid value 5 for type TYPE_STRING".
Status jsonValueError(const std::string& message) {
  if (message.starts_with("(")) {
    const size_t close = message.find("):");
    if (close != std::string::npos) {
      std::string field = message.substr(1, close - 1);
      std::string reason = message.substr(close + 2);
      while (!reason.empty() && reason.front() == ' ') reason.erase(0, 1);
      return invalidArgument("invalid JSON body: " + message, {{field, reason}});
    }
  }
  return invalidArgument("invalid JSON body: " + message, {{"body", message}});
}

Result<int64_t> parseIfMatch(std::string_view header) {
  if (header.starts_with("W/")) header.remove_prefix(2);
  if (header.size() >= 2 && header.front() == '"' && header.back() == '"') header = header.substr(1, header.size() - 2);
  int64_t version = 0;
  if (!parseInteger(header, version) || version <= 0) {
    return invalidField("If-Match", "must be an ETag returned by this API, e.g. \"3\"");
  }
  return version;
}

}  // namespace

Status checkStringField(std::string_view field, std::string_view text) {
  if (!isUtf8(text)) return invalidField(std::string(field), "must be UTF-8 text");
  if (text.find('\0') != std::string_view::npos) {
    return invalidField(std::string(field), "must not contain NUL characters");
  }
  return Status::ok();
}

std::unique_ptr<pb::Message> Transcoder::newResponse(const RestMapping& mapping) const {
  return std::unique_ptr<pb::Message>(
      pb::MessageFactory::generated_factory()->GetPrototype(mapping.method->output_type())->New());
}

Result<std::unique_ptr<pb::Message>> Transcoder::buildRequest(const RestMapping& mapping,
                                                              const http::HttpRequest& request) const {
  const pb::Descriptor* inputType = mapping.method->input_type();
  std::unique_ptr<pb::Message> message(pb::MessageFactory::generated_factory()->GetPrototype(inputType)->New());

  std::set<std::string> boundFields;  // set by path or query: the body may not set them again
  boost::json::object bodyObject;
  if (!mapping.bodyField.empty()) {
    std::string_view body = request.body;
    if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) body = "{}";
    boost::json::parse_options options;
    options.max_depth = static_cast<size_t>(limits_.maxJsonDepth);
    boost::json::stream_parser parser({}, options);
    boost::system::error_code error;
    const size_t consumed = parser.write(body.data(), body.size(), error);  // bytes after the object: extra_data
    if (!error) parser.finish(error);
    if (error) {
      const std::string reason = error == boost::json::error::too_deep
                                     ? "nests deeper than " + std::to_string(limits_.maxJsonDepth) + " levels"
                                     : "is not valid JSON: " + error.message() + " at byte " + std::to_string(consumed);
      return invalidArgument("request body " + reason, {{"body", reason}});
    }
    boost::json::value parsed = parser.release();
    if (!parsed.is_object()) return invalidArgument("request body must be a JSON object", {{"body", "must be a JSON object"}});
    bodyObject = std::move(parsed.as_object());

    pb::Message* target = message.get();
    const pb::Descriptor* targetType = inputType;
    if (mapping.bodyField != "*") {
      const auto* field = inputType->FindFieldByName(mapping.bodyField);
      target = message->GetReflection()->MutableMessage(message.get(), field);
      targetType = field->message_type();
    }
    ValidationErrors unknown;
    findUnknownFields(bodyObject, targetType, "", unknown);
    FLEETDECK_RETURN_IF_ERROR(unknown.toStatus());
    pb::util::JsonParseOptions parseOptions;
    parseOptions.ignore_unknown_fields = false;
    const std::string text = body.data() == request.body.data() ? request.body : std::string(body);
    if (auto status = pb::util::JsonStringToMessage(text, target, parseOptions); !status.ok()) {
      return jsonValueError(std::string(status.message()));
    }
    ValidationErrors nul;
    findNulCharacters(*target, "", nul);
    FLEETDECK_RETURN_IF_ERROR(nul.toStatus());
  }

  // Bound fields by their proto path, so that a query parameter spelled differently ("orderId" for
  // the path's "order_id") cannot overwrite what the path (and the ownership check on it) named.
  for (const auto& [name, value] : request.pathParams) {
    const std::string bound = canonicalPath(inputType, name);
    // A whole-message body may name the path's field too. The path wins (the ownership check ran on
    // it), so a body that says otherwise is refused rather than silently overridden.
    if (mapping.bodyField == "*") {
      for (const auto& [key, sent] : bodyObject) {
        if (canonicalPath(inputType, key) != bound) continue;
        if (!sent.is_string() || sent.as_string() != value) {
          return invalidField(std::string(key), "differs from the path's " + name + " (it may only repeat it)");
        }
      }
    }
    FLEETDECK_RETURN_IF_ERROR(setPath(*message, name, value, name));
    boundFields.insert(bound);
  }

  if (!request.query.empty()) {
    auto query = http::parseQuery(request.query);
    if (!query) return invalidArgument("malformed query string", {{"query", "has a malformed %-escape"}});
    std::set<std::string> queried;  // by proto path: "pageSize" and "page_size" are one parameter
    for (const auto& [name, value] : *query) {
      // A route with a body takes none (its OpenAPI operation lists none): a query parameter could
      // otherwise set a field of the body again, or an update mask the body's keys contradict.
      if (!mapping.bodyField.empty()) {
        return invalidField(name, "is not a query parameter of this call (send it in the body)");
      }
      const std::string canonical = canonicalPath(inputType, name);
      if (boundFields.contains(canonical)) return invalidField(name, "is already given in the path");
      // A second value of a single-valued parameter would silently replace the first.
      if (!queried.insert(canonical).second && !namesRepeatedField(inputType, name)) {
        return invalidField(name, "is given more than once (it takes one value)");
      }
      FLEETDECK_RETURN_IF_ERROR(setPath(*message, name, value, name));
    }
  }

  // PATCH without an explicit mask: the keys the client sent are the fields it wants to change.
  if (const auto* maskField = inputType->FindFieldByName("update_mask");
      maskField != nullptr && maskField->message_type() != nullptr &&
      maskField->message_type()->full_name() == "google.protobuf.FieldMask" && mapping.bodyField != "*" &&
      !mapping.bodyField.empty() && !message->GetReflection()->HasField(*message, maskField)) {
    auto* mask = static_cast<pb::FieldMask*>(message->GetReflection()->MutableMessage(message.get(), maskField));
    const pb::Descriptor* bodyType = inputType->FindFieldByName(mapping.bodyField)->message_type();
    for (const auto& [key, value] : bodyObject) mask->add_paths(findField(bodyType, key)->name());
  }

  if (!mapping.ifMatchField.empty()) {
    if (auto header = request.header("If-Match"); header && *header != "*") {
      auto version = parseIfMatch(*header);
      if (!version) return version.status();
      const auto* field = inputType->FindFieldByName(mapping.ifMatchField);
      message->GetReflection()->SetInt64(message.get(), field, *version);
    }
  } else if (request.headers.contains("If-Match")) {
    // Nothing behind this route compares versions: passed over, the header would promise a stale
    // request the 412 it never gets, and the call would go ahead.
    return invalidField("If-Match", "this route does not take If-Match: it cannot refuse a stale version");
  }
  if (!mapping.idempotencyKeyField.empty()) {
    if (auto header = request.header("Idempotency-Key")) {
      const bool printable = std::all_of(header->begin(), header->end(),
                                         [](char c) { return c > 0x20 && c < 0x7f; });
      if (header->empty() || header->size() > 128 || !printable) {
        return invalidField("Idempotency-Key", "must be 1 to 128 visible ASCII characters");
      }
      const auto* field = inputType->FindFieldByName(mapping.idempotencyKeyField);
      message->GetReflection()->SetString(message.get(), field, std::string(*header));
    }
    if (mapping.idempotencyKeyRequired &&
        message->GetReflection()->GetString(*message, inputType->FindFieldByName(mapping.idempotencyKeyField)).empty()) {
      return invalidField("Idempotency-Key", "is required here: a retry without it would be applied twice");
    }
  } else if (request.headers.contains("Idempotency-Key") &&
             (mapping.httpMethod == "POST" || mapping.httpMethod == "PATCH")) {
    // As with If-Match: passed over, the key would promise a retry one effect, and the write would
    // run again (a second rebuild, another temporary password).
    return invalidField("Idempotency-Key", "this route does not take Idempotency-Key: a retry would run it again");
  }
  return message;
}

Result<std::string> Transcoder::renderResponse(const RestMapping& mapping, const pb::Message& response,
                                               std::string& etag) const {
  if (!mapping.etagField.empty()) {
    const pb::Message* holder = &response;
    std::string_view path = mapping.etagField;
    const pb::FieldDescriptor* field = nullptr;
    while (true) {
      const size_t dot = path.find('.');
      field = holder->GetDescriptor()->FindFieldByName(std::string(path.substr(0, dot)));
      if (dot == std::string_view::npos || field == nullptr) break;
      holder = &holder->GetReflection()->GetMessage(*holder, field);
      path.remove_prefix(dot + 1);
    }
    if (field != nullptr) {
      const pb::Reflection* reflection = holder->GetReflection();
      switch (field->cpp_type()) {
        case pb::FieldDescriptor::CPPTYPE_INT64: etag = std::to_string(reflection->GetInt64(*holder, field)); break;
        case pb::FieldDescriptor::CPPTYPE_INT32: etag = std::to_string(reflection->GetInt32(*holder, field)); break;
        case pb::FieldDescriptor::CPPTYPE_STRING: etag = reflection->GetString(*holder, field); break;
        default: break;
      }
      if (!etag.empty() && etag != "0") {
        etag = "\"" + etag + "\"";
      } else {
        etag.clear();
      }
    }
  }
  if (mapping.successStatus == 204) return std::string();
  return protoToJson(response);
}

}  // namespace fleetdeck::gateway
