#include "domain/openapi.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>
#include <map>
#include <set>

#include "fleetdeck/core/json.h"
#include "fleetdeck/http/router.h"

namespace fleetdeck::gateway {
namespace {

namespace pb = google::protobuf;
namespace js = boost::json;

std::string schemaName(const pb::Descriptor* message) {
  // "fleetdeck.users.v1.User" -> "users.v1.User": unique across packages, readable in tools.
  std::string name = message->full_name();
  if (name.starts_with("fleetdeck.")) name = name.substr(10);
  return name;
}

js::object ref(const std::string& name) { return {{"$ref", "#/components/schemas/" + name}}; }

class SchemaBuilder {
 public:
  js::object& schemas() { return schemas_; }

  js::object messageRef(const pb::Descriptor* message) {
    if (const auto wellKnown = wellKnownSchema(message)) return *wellKnown;
    const std::string name = schemaName(message);
    if (!schemas_.contains(name)) {
      schemas_[name] = js::object{};  // placeholder first: messages may refer to themselves
      schemas_[name] = buildMessage(message);
    }
    return ref(name);
  }

  js::object fieldSchema(const pb::FieldDescriptor* field) {
    if (field->is_map()) {
      return {{"type", "object"}, {"additionalProperties", singleSchema(field->message_type()->FindFieldByName("value"))}};
    }
    js::object single = singleSchema(field);
    if (field->is_repeated()) return {{"type", "array"}, {"items", std::move(single)}};
    return single;
  }

 private:
  std::optional<js::object> wellKnownSchema(const pb::Descriptor* message) {
    const std::string& name = message->full_name();
    if (name == "google.protobuf.Timestamp") return js::object{{"type", "string"}, {"format", "date-time"}};
    if (name == "google.protobuf.FieldMask") {
      return js::object{{"type", "string"}, {"description", "Comma-separated field names."}};
    }
    if (name == "google.protobuf.Struct") return js::object{{"type", "object"}};
    if (name == "google.protobuf.Empty") return js::object{{"type", "object"}};
    if (name == "google.protobuf.Any") return js::object{{"type", "object"}};
    return std::nullopt;
  }

  js::object singleSchema(const pb::FieldDescriptor* field) {
    switch (field->type()) {
      case pb::FieldDescriptor::TYPE_STRING: return {{"type", "string"}};
      case pb::FieldDescriptor::TYPE_BYTES: return {{"type", "string"}, {"contentEncoding", "base64"}};
      case pb::FieldDescriptor::TYPE_BOOL: return {{"type", "boolean"}};
      case pb::FieldDescriptor::TYPE_DOUBLE:
      case pb::FieldDescriptor::TYPE_FLOAT: return {{"type", "number"}};
      case pb::FieldDescriptor::TYPE_INT32:
      case pb::FieldDescriptor::TYPE_SINT32:
      case pb::FieldDescriptor::TYPE_SFIXED32: return {{"type", "integer"}, {"format", "int32"}};
      case pb::FieldDescriptor::TYPE_UINT32:
      case pb::FieldDescriptor::TYPE_FIXED32: return {{"type", "integer"}, {"format", "int64"}, {"minimum", 0}};
      case pb::FieldDescriptor::TYPE_INT64:
      case pb::FieldDescriptor::TYPE_SINT64:
      case pb::FieldDescriptor::TYPE_SFIXED64:
      case pb::FieldDescriptor::TYPE_UINT64:
      case pb::FieldDescriptor::TYPE_FIXED64:
        // The proto3 JSON mapping writes 64-bit integers as strings (JavaScript numbers lose precision).
        return {{"type", "string"}, {"format", "int64"}, {"pattern", "^-?[0-9]+$"}};
      case pb::FieldDescriptor::TYPE_ENUM: {
        js::array values;
        for (int i = 0; i < field->enum_type()->value_count(); ++i) values.push_back(js::value(field->enum_type()->value(i)->name()));
        return {{"type", "string"}, {"enum", std::move(values)}};
      }
      case pb::FieldDescriptor::TYPE_MESSAGE:
      case pb::FieldDescriptor::TYPE_GROUP: return messageRef(field->message_type());
    }
    return {};
  }

  js::object buildMessage(const pb::Descriptor* message) {
    js::object properties;
    for (int i = 0; i < message->field_count(); ++i) {
      const pb::FieldDescriptor* field = message->field(i);
      properties[field->json_name()] = fieldSchema(field);
    }
    return {{"type", "object"}, {"properties", std::move(properties)}, {"additionalProperties", false}};
  }

  js::object schemas_;
};

// Query parameters of a GET: the request's scalar fields not bound by the path.
js::array queryParameters(const RestMapping& mapping, const std::set<std::string>& pathFields, SchemaBuilder& builder,
                          int maxPageSize) {
  js::array parameters;
  if (!mapping.bodyField.empty()) return parameters;
  const pb::Descriptor* input = mapping.method->input_type();
  for (int i = 0; i < input->field_count(); ++i) {
    const pb::FieldDescriptor* field = input->field(i);
    if (pathFields.contains(field->name())) continue;
    if (field->message_type() != nullptr && field->message_type()->full_name() != "google.protobuf.Timestamp" &&
        field->message_type()->full_name() != "google.protobuf.FieldMask") {
      continue;
    }
    js::object parameter{{"name", field->json_name()}, {"in", "query"}, {"required", false},
                         {"schema", builder.fieldSchema(field)}};
    if (field->name() == "page_size") {
      parameter["description"] =
          "Items per page. 0 means the service default (50); values above " + std::to_string(maxPageSize) +
          " are clamped to " + std::to_string(maxPageSize) + " by the gateway (the response is still 200).";
    }
    parameters.push_back(std::move(parameter));
  }
  return parameters;
}

js::object errorResponse(const std::string& description) {
  return {{"description", description},
          {"content", js::object{{"application/json", js::object{{"schema", ref("Error")}}}}}};
}

js::object commonErrors(bool anonymous) {
  js::object responses{{"400", errorResponse("Invalid request; details name each bad field.")},
                       {"404", errorResponse("Not found (also for another customer's resource).")},
                       {"429", errorResponse("Rate limited; see Retry-After.")},
                       {"503", errorResponse("The service behind this route is unavailable; see Retry-After.")}};
  if (!anonymous) {
    responses["401"] = errorResponse("No valid access token.");
    responses["403"] = errorResponse("The caller's role may not do this.");
  }
  return responses;
}

js::array rolesArray(const std::vector<std::string>& roles) {
  js::array out;
  for (const auto& role : roles) out.push_back(js::value(role));
  if (out.empty()) out.push_back(js::value("admin"));
  return out;
}

bool isAnonymous(const std::vector<std::string>& roles) {
  return std::find(roles.begin(), roles.end(), "anonymous") != roles.end();
}

// Pretty-printed with sorted keys, so the generated file diffs cleanly.
void write(const js::value& value, std::string& out, int indent) {
  const std::string pad(static_cast<size_t>(indent) * 2, ' ');
  const std::string inner(static_cast<size_t>(indent + 1) * 2, ' ');
  if (const auto* object = value.if_object()) {
    if (object->empty()) {
      out += "{}";
      return;
    }
    std::vector<std::string_view> keys;
    for (const auto& entry : *object) keys.push_back(entry.key());
    std::sort(keys.begin(), keys.end());
    out += "{\n";
    for (size_t i = 0; i < keys.size(); ++i) {
      out += inner + js::serialize(js::value(keys[i])) + ": ";
      write(object->at(keys[i]), out, indent + 1);
      out += i + 1 < keys.size() ? ",\n" : "\n";
    }
    out += pad + "}";
    return;
  }
  if (const auto* array = value.if_array()) {
    if (array->empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    for (size_t i = 0; i < array->size(); ++i) {
      out += inner;
      write((*array)[i], out, indent + 1);
      out += i + 1 < array->size() ? ",\n" : "\n";
    }
    out += pad + "]";
    return;
  }
  out += js::serialize(value);
}

}  // namespace

std::string buildOpenApi(const std::vector<RestMapping>& mappings, const std::vector<OwnRoute>& ownRoutes,
                         const OpenApiInfo& info) {
  SchemaBuilder builder;
  js::object paths;
  std::set<std::string> operationIds;
  for (const RestMapping& mapping : mappings) {
    auto parsed = http::RouteTemplate::parse(mapping.pathTemplate);
    std::set<std::string> pathFields;
    js::array parameters;
    if (parsed) {
      for (const auto& name : parsed->parameterNames()) {
        pathFields.insert(name);
        parameters.push_back(js::object{{"name", name}, {"in", "path"}, {"required", true},
                                        {"schema", js::object{{"type", "string"}}}});
      }
    }
    for (auto& parameter : queryParameters(mapping, pathFields, builder, info.maxPageSize)) parameters.push_back(parameter);
    if (!mapping.ifMatchField.empty()) {
      parameters.push_back(js::object{{"name", "If-Match"}, {"in", "header"}, {"required", false},
                                      {"description", "ETag of the version being edited; a stale one gets 412."},
                                      {"schema", js::object{{"type", "string"}}}});
    }
    if (!mapping.idempotencyKeyField.empty()) {
      parameters.push_back(js::object{{"name", "Idempotency-Key"}, {"in", "header"}, {"required", mapping.idempotencyKeyRequired},
                                      {"description", "Repeating a request with the same key returns the first result."},
                                      {"schema", js::object{{"type", "string"}, {"maxLength", 128}}}});
    }
    const std::string operationId = mapping.method->service()->name() + "_" + mapping.method->name();
    operationIds.insert(operationId);
    js::object operation{{"operationId", operationId},
                         {"tags", js::array{js::value(mapping.upstream)}},
                         {"summary", mapping.method->name()},
                         {"x-fleetdeck-roles", rolesArray(mapping.roles)}};
    if (mapping.localFleetOnly) operation["description"] = "Local fleet only: 404 on any other gateway.";
    if (!parameters.empty()) operation["parameters"] = std::move(parameters);
    if (!mapping.bodyField.empty()) {
      const pb::Descriptor* bodyType = mapping.bodyField == "*"
                                           ? mapping.method->input_type()
                                           : mapping.method->input_type()->FindFieldByName(mapping.bodyField)->message_type();
      operation["requestBody"] = js::object{
          {"required", false},
          {"content", js::object{{"application/json", js::object{{"schema", builder.messageRef(bodyType)}}}}}};
    }
    js::object responses = commonErrors(mapping.anonymous());
    const std::string success = std::to_string(mapping.successStatus);
    if (mapping.successStatus == 204) {
      responses[success] = js::object{{"description", "Done."}};
    } else {
      responses[success] = js::object{
          {"description", "Success."},
          {"content", js::object{{"application/json",
                                  js::object{{"schema", builder.messageRef(mapping.method->output_type())}}}}}};
    }
    if (!mapping.ifMatchField.empty()) responses["412"] = errorResponse("If-Match names an older version.");
    operation["responses"] = std::move(responses);
    if (!mapping.anonymous()) operation["security"] = js::array{js::object{{"bearerAuth", js::array{}}}};
    std::string method = mapping.httpMethod;
    std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::tolower(c); });
    if (!paths.contains(mapping.pathTemplate)) paths[mapping.pathTemplate] = js::object{};
    paths[mapping.pathTemplate].as_object()[method] = std::move(operation);
  }

  for (const OwnRoute& route : ownRoutes) {
    std::string method = route.method;
    std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::tolower(c); });
    js::array parameters;
    if (auto parsed = http::RouteTemplate::parse(route.path)) {
      for (const auto& name : parsed->parameterNames()) {
        parameters.push_back(js::object{{"name", name}, {"in", "path"}, {"required", true},
                                        {"schema", js::object{{"type", "string"}}}});
      }
    }
    for (const auto& name : route.queryParameters) {
      parameters.push_back(js::object{{"name", name}, {"in", "query"}, {"required", false},
                                      {"schema", js::object{{"type", "string"}}}});
    }
    std::string operationId = "Gateway_";
    for (char c : route.method + route.path) operationId += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    js::object operation{{"operationId", operationId},
                         {"tags", js::array{js::value("gateway")}},
                         {"summary", route.summary},
                         {"x-fleetdeck-roles", rolesArray(route.roles)}};
    if (!parameters.empty()) operation["parameters"] = std::move(parameters);
    js::object responses = commonErrors(isAnonymous(route.roles));
    responses["200"] = js::object{
        {"description", route.responseDescription.empty() ? route.summary : route.responseDescription},
        {"content", js::object{{route.responseContentType, js::object{{"schema", js::object{{"type", route.responseContentType == "application/json" ? "object" : "string"}}}}}}}};
    operation["responses"] = std::move(responses);
    if (!isAnonymous(route.roles)) operation["security"] = js::array{js::object{{"bearerAuth", js::array{}}}};
    if (!paths.contains(route.path)) paths[route.path] = js::object{};
    paths[route.path].as_object()[method] = std::move(operation);
  }

  {
    js::object violation{{"type", "object"},
                         {"properties", js::object{{"field", js::object{{"type", "string"}}},
                                                   {"reason", js::object{{"type", "string"}}}}}};
    js::object properties{{"code", js::object{{"type", "string"}, {"examples", js::array{"INVALID_ARGUMENT"}}}},
                          {"message", js::object{{"type", "string"}}},
                          {"trace_id", js::object{{"type", "string"}}},
                          {"details", js::object{{"type", "array"}, {"items", std::move(violation)}}},
                          {"reason", js::object{{"type", "string"},
                                                {"description",
                                                 "Only on answers a client must tell apart while code and status are "
                                                 "the same: why, in UPPER_SNAKE_CASE (as google.rpc.ErrorInfo.reason)."},
                                                {"examples", js::array{"TRACE_STORE_DISABLED", "TRACE_REPLICAS_SILENT"}}}}};
    js::object inner{{"type", "object"}, {"required", js::array{"code", "message"}}, {"properties", std::move(properties)}};
    builder.schemas()["Error"] = js::object{{"type", "object"},
                                            {"required", js::array{"error"}},
                                            {"properties", js::object{{"error", std::move(inner)}}}};
  }

  const std::string description =
      "The FleetDeck gateway: REST/JSON over the fleet's gRPC services, generated from the proto "
      "http options. Bodies use the proto3 JSON mapping (lowerCamelCase names; 64-bit integers as "
      "strings). Errors always have the Error shape. List calls take pageSize (clamped to " +
      std::to_string(info.maxPageSize) +
      ") and pageToken. x-fleetdeck-roles lists who may call each operation (admins may call everything).";
  js::object document{
      {"openapi", "3.1.0"},
      {"info", js::object{{"title", info.title}, {"version", info.version}, {"description", description}}},
      {"servers", js::array{js::object{{"url", "http://127.0.0.1:8080"}, {"description", "local fleet"}}}},
      {"paths", std::move(paths)},
      {"components",
       js::object{{"schemas", std::move(builder.schemas())},
                  {"securitySchemes", js::object{{"bearerAuth", js::object{{"type", "http"}, {"scheme", "bearer"},
                                                                          {"bearerFormat", "JWT"}}}}}}}};
  std::string out;
  write(document, out, 0);
  out += '\n';
  return out;
}

}  // namespace fleetdeck::gateway
