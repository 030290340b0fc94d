#include "domain/rest_mapping.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>

#include "fleetdeck/api/v1/annotations.pb.h"
#include "fleetdeck/http/router.h"

namespace fleetdeck::gateway {
namespace {

namespace pb = google::protobuf;

// "fleetdeck.users.v1" -> "users"
std::string upstreamOf(const std::string& package) {
  const size_t first = package.find('.');
  const size_t second = package.find('.', first + 1);
  if (first == std::string::npos) return package;
  return package.substr(first + 1, second == std::string::npos ? std::string::npos : second - first - 1);
}

const pb::FieldDescriptor* findFieldPath(const pb::Descriptor* message, const std::string& path) {
  const pb::FieldDescriptor* field = nullptr;
  size_t start = 0;
  while (message != nullptr) {
    const size_t dot = path.find('.', start);
    field = message->FindFieldByName(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (field == nullptr || dot == std::string::npos) return field;
    message = field->message_type();
    start = dot + 1;
  }
  return nullptr;
}

bool knownRole(const std::string& role) {
  return role == "anonymous" || role == "customer" || role == "operator" || role == "admin";
}

// "/api/v1/orders/{id}:cancel" -> "/api/v1/orders/{}", the shape up to the first parameter.
std::string resourceShape(const std::string& pathTemplate, std::string* parameter) {
  const size_t open = pathTemplate.find('{');
  if (open == std::string::npos) return {};
  const size_t close = pathTemplate.find('}', open);
  if (close == std::string::npos) return {};
  if (parameter != nullptr) *parameter = pathTemplate.substr(open + 1, close - open - 1);
  return pathTemplate.substr(0, open) + "{}";
}

// For methods whose response lacks the owner field: the GET /…/{x} that reads the resource.
Status linkOwnerLookups(std::vector<RestMapping>& mappings) {
  for (RestMapping& mapping : mappings) {
    if (mapping.responseOwnerField.empty()) continue;
    const bool ownResponse = mapping.httpMethod == "GET" &&
                             findFieldPath(mapping.method->output_type(), mapping.responseOwnerField) != nullptr;
    if (ownResponse) continue;
    std::string parameter;
    const std::string shape = resourceShape(mapping.pathTemplate, &parameter);
    for (const RestMapping& candidate : mappings) {
      if (&candidate == &mapping || candidate.httpMethod != "GET") continue;
      if (candidate.pathTemplate.find(':') != std::string::npos) continue;
      std::string candidateParameter;
      if (resourceShape(candidate.pathTemplate, &candidateParameter) != shape || shape.empty()) continue;
      if (candidate.pathTemplate != shape.substr(0, shape.size() - 2) + "{" + candidateParameter + "}") continue;
      if (findFieldPath(candidate.method->output_type(), mapping.responseOwnerField) == nullptr) continue;
      mapping.ownerLookup = &candidate;
      mapping.ownerLookupParameter = parameter;
      mapping.ownerLookupField = candidateParameter;
      break;
    }
    if (mapping.ownerLookup == nullptr) {
      return invalidArgument(mapping.method->full_name() + ": response_owner_field '" + mapping.responseOwnerField +
                             "' is neither in the response nor in a GET of " + shape);
    }
  }
  return Status::ok();
}

}  // namespace

bool RestMapping::anonymous() const {
  return std::find(roles.begin(), roles.end(), "anonymous") != roles.end();
}

Result<std::vector<RestMapping>> collectRestMappings(const std::vector<const pb::FileDescriptor*>& files) {
  std::vector<RestMapping> mappings;
  for (const pb::FileDescriptor* file : files) {
    for (int s = 0; s < file->service_count(); ++s) {
      const pb::ServiceDescriptor* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const pb::MethodDescriptor* method = service->method(m);
        if (!method->options().HasExtension(api::v1::http)) continue;
        if (method->client_streaming() || method->server_streaming()) {
          return invalidArgument(method->full_name() + ": streaming methods cannot be mapped to REST");
        }
        const auto& rule = method->options().GetExtension(api::v1::http);
        RestMapping mapping;
        mapping.method = method;
        mapping.upstream = upstreamOf(file->package());
        mapping.grpcPath = "/" + service->full_name() + "/" + method->name();
        switch (rule.pattern_case()) {
          case api::v1::HttpRule::kGet: mapping.httpMethod = "GET"; mapping.pathTemplate = rule.get(); break;
          case api::v1::HttpRule::kPut: mapping.httpMethod = "PUT"; mapping.pathTemplate = rule.put(); break;
          case api::v1::HttpRule::kPost: mapping.httpMethod = "POST"; mapping.pathTemplate = rule.post(); break;
          case api::v1::HttpRule::kDelete: mapping.httpMethod = "DELETE"; mapping.pathTemplate = rule.delete_(); break;
          case api::v1::HttpRule::kPatch: mapping.httpMethod = "PATCH"; mapping.pathTemplate = rule.patch(); break;
          default: return invalidArgument(method->full_name() + ": http option has no verb");
        }
        mapping.bodyField = rule.body();
        mapping.successStatus = rule.success_status() == 0 ? 200 : rule.success_status();
        mapping.etagField = rule.etag_field();
        mapping.ifMatchField = rule.if_match_field();
        mapping.idempotencyKeyField = rule.idempotency_key_field();
        mapping.idempotencyKeyRequired = rule.idempotency_key_required();
        mapping.localFleetOnly = rule.local_fleet_only();

        auto parsed = http::RouteTemplate::parse(mapping.pathTemplate);
        if (!parsed) return invalidArgument(method->full_name() + ": " + parsed.status().message());
        for (const auto& parameter : parsed->parameterNames()) {
          if (findFieldPath(method->input_type(), parameter) == nullptr) {
            return invalidArgument(method->full_name() + ": path parameter {" + parameter + "} is not a request field");
          }
        }
        if (!mapping.bodyField.empty() && mapping.bodyField != "*") {
          const auto* body = method->input_type()->FindFieldByName(mapping.bodyField);
          if (body == nullptr || body->message_type() == nullptr) {
            return invalidArgument(method->full_name() + ": body field '" + mapping.bodyField +
                                   "' is not a message field of the request");
          }
        }
        if (!mapping.ifMatchField.empty() && method->input_type()->FindFieldByName(mapping.ifMatchField) == nullptr) {
          return invalidArgument(method->full_name() + ": if_match_field '" + mapping.ifMatchField + "' not found");
        }
        if (!mapping.idempotencyKeyField.empty() &&
            method->input_type()->FindFieldByName(mapping.idempotencyKeyField) == nullptr) {
          return invalidArgument(method->full_name() + ": idempotency_key_field '" + mapping.idempotencyKeyField +
                                 "' not found");
        }
        if (!mapping.etagField.empty() && findFieldPath(method->output_type(), mapping.etagField) == nullptr) {
          return invalidArgument(method->full_name() + ": etag_field '" + mapping.etagField + "' not found");
        }
        mapping.roles.assign(rule.roles().begin(), rule.roles().end());
        for (const auto& role : mapping.roles) {
          if (!knownRole(role)) return invalidArgument(method->full_name() + ": unknown role '" + role + "'");
        }
        mapping.ownerField = rule.owner_field();
        mapping.ownerDefaultsToCaller = rule.owner_defaults_to_caller();
        if (mapping.ownerDefaultsToCaller && mapping.ownerField.empty()) {
          return invalidArgument(method->full_name() + ": owner_defaults_to_caller without an owner_field");
        }
        if (!mapping.ownerField.empty()) {
          const auto* owner = findFieldPath(method->input_type(), mapping.ownerField);
          if (owner == nullptr || owner->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING || owner->is_repeated()) {
            return invalidArgument(method->full_name() + ": owner_field '" + mapping.ownerField +
                                   "' is not a string field of the request");
          }
        }
        mapping.responseOwnerField = rule.response_owner_field();
        mapping.adminFields.assign(rule.admin_fields().begin(), rule.admin_fields().end());
        for (const auto& field : mapping.adminFields) {
          if (findFieldPath(method->input_type(), field) == nullptr) {
            return invalidArgument(method->full_name() + ": admin field '" + field + "' is not a request field");
          }
        }
        mappings.push_back(std::move(mapping));
      }
    }
  }
  // Pointers into the vector are taken only now that it no longer grows.
  FLEETDECK_RETURN_IF_ERROR(linkOwnerLookups(mappings));
  return mappings;
}

}  // namespace fleetdeck::gateway
