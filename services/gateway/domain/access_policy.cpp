#include "domain/access_policy.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

#include "fleetdeck/auth/roles.h"

namespace fleetdeck::gateway {
namespace {

namespace pb = google::protobuf;

// Resolves "a.b" to the innermost message and field; nullptr fields when a parent is unset.
struct FieldRef {
  const pb::Message* message = nullptr;
  const pb::FieldDescriptor* field = nullptr;
};

FieldRef resolve(const pb::Message& root, std::string_view path) {
  const pb::Message* message = &root;
  while (true) {
    const size_t dot = path.find('.');
    const auto* field = message->GetDescriptor()->FindFieldByName(std::string(path.substr(0, dot)));
    if (field == nullptr) return {};
    if (dot == std::string_view::npos) return {message, field};
    if (field->message_type() == nullptr || field->is_repeated()) return {};
    if (!message->GetReflection()->HasField(*message, field)) return {message, nullptr};
    message = &message->GetReflection()->GetMessage(*message, field);
    path.remove_prefix(dot + 1);
  }
}

bool isSet(const FieldRef& ref) {
  if (ref.field == nullptr) return false;
  const pb::Reflection* reflection = ref.message->GetReflection();
  if (ref.field->is_repeated()) return reflection->FieldSize(*ref.message, ref.field) > 0;
  if (ref.field->has_presence()) return reflection->HasField(*ref.message, ref.field);
  switch (ref.field->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING: return !reflection->GetString(*ref.message, ref.field).empty();
    case pb::FieldDescriptor::CPPTYPE_BOOL: return reflection->GetBool(*ref.message, ref.field);
    case pb::FieldDescriptor::CPPTYPE_INT32: return reflection->GetInt32(*ref.message, ref.field) != 0;
    case pb::FieldDescriptor::CPPTYPE_INT64: return reflection->GetInt64(*ref.message, ref.field) != 0;
    case pb::FieldDescriptor::CPPTYPE_UINT32: return reflection->GetUInt32(*ref.message, ref.field) != 0;
    case pb::FieldDescriptor::CPPTYPE_UINT64: return reflection->GetUInt64(*ref.message, ref.field) != 0;
    case pb::FieldDescriptor::CPPTYPE_DOUBLE: return reflection->GetDouble(*ref.message, ref.field) != 0;
    case pb::FieldDescriptor::CPPTYPE_FLOAT: return reflection->GetFloat(*ref.message, ref.field) != 0;
    case pb::FieldDescriptor::CPPTYPE_ENUM: return reflection->GetEnumValue(*ref.message, ref.field) != 0;
    case pb::FieldDescriptor::CPPTYPE_MESSAGE: return reflection->HasField(*ref.message, ref.field);
  }
  return false;
}

// The name a client uses for a field path: lowerCamelCase per segment ("user.role" stays, "user_id" -> "userId").
std::string clientName(std::string_view path) {
  std::string out;
  bool upper = false;
  for (char c : path) {
    if (c == '_') {
      upper = true;
      continue;
    }
    out += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
    upper = false;
  }
  return out;
}

}  // namespace

std::string clientFieldName(std::string_view path) { return clientName(path); }

Status checkRole(const RestMapping& mapping, const Principal& principal) {
  if (auth::roleAllowed(mapping.roles, principal.role)) return Status::ok();
  if (principal.anonymous()) return unauthenticated("sign in first: send Authorization: Bearer <access token>");
  return permissionDenied("role '" + principal.role + "' may not call " + mapping.httpMethod + " " +
                          mapping.pathTemplate);
}

Status checkAdminFields(const RestMapping& mapping, const Principal& principal, const pb::Message& request) {
  if (principal.role == auth::kRoleAdmin) return Status::ok();
  for (const auto& path : mapping.adminFields) {
    // The owner field is filled by the gateway for customers; only a value the client sent counts.
    if (isSet(resolve(request, path))) {
      return invalidField(clientName(path), "only an admin may set it");
    }
  }
  return Status::ok();
}

Status applyOwnership(const RestMapping& mapping, const Principal& principal, pb::Message& request) {
  if (mapping.ownerField.empty() || principal.anonymous()) return Status::ok();
  const bool customer = principal.isCustomer();
  if (!customer && !mapping.ownerDefaultsToCaller) return Status::ok();
  pb::Message* message = &request;
  std::string_view path = mapping.ownerField;
  while (true) {
    const size_t dot = path.find('.');
    const auto* field = message->GetDescriptor()->FindFieldByName(std::string(path.substr(0, dot)));
    if (field == nullptr) return internalError("owner field " + mapping.ownerField + " is missing");
    if (dot == std::string_view::npos) {
      const pb::Reflection* reflection = message->GetReflection();
      const std::string current = reflection->GetString(*message, field);
      if (current.empty()) {
        reflection->SetString(message, field, principal.userId);
        return Status::ok();
      }
      // Operators and admins may name anyone; only an empty field was theirs to fill.
      if (!customer) return Status::ok();
      // Someone else's resource looks exactly like one that does not exist.
      if (current != principal.userId) return notFound(clientName(mapping.ownerField) + " " + current + " was not found");
      return Status::ok();
    }
    message = message->GetReflection()->MutableMessage(message, field);
    path.remove_prefix(dot + 1);
  }
}

std::string stringField(const pb::Message& message, std::string_view path) {
  const FieldRef ref = resolve(message, path);
  if (ref.field == nullptr || ref.field->cpp_type() != pb::FieldDescriptor::CPPTYPE_STRING || ref.field->is_repeated()) {
    return {};
  }
  return ref.message->GetReflection()->GetString(*ref.message, ref.field);
}

Status checkResourceOwner(const Principal& principal, std::string_view owner, std::string_view resource) {
  if (!principal.isCustomer() || owner == principal.userId) return Status::ok();
  return notFound(std::string(resource) + " was not found");
}

bool clampPageSize(pb::Message& request, int maxPageSize) {
  const auto* field = request.GetDescriptor()->FindFieldByName("page_size");
  if (field == nullptr || field->cpp_type() != pb::FieldDescriptor::CPPTYPE_INT32 || field->is_repeated()) return false;
  const pb::Reflection* reflection = request.GetReflection();
  if (reflection->GetInt32(request, field) <= maxPageSize) return false;
  reflection->SetInt32(&request, field, maxPageSize);
  return true;
}

}  // namespace fleetdeck::gateway
