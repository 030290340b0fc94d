// Who may call what, decided from the roles and fields declared next to each REST mapping in proto:
// role checks, owner fields filled or refused for customers, admin-only fields, page-size clamping.
// Pure: protobuf reflection only, no I/O.
#pragma once

#include <string>
#include <string_view>

#include "domain/rest_mapping.h"
#include "fleetdeck/core/status.h"

namespace google::protobuf {
class Message;
}

namespace fleetdeck::gateway {

// The caller as the access token says; anonymous when no token came.
struct Principal {
  std::string userId;
  std::string role;  // "customer", "operator", "admin"; empty when anonymous
  std::string username;
  std::string sessionId;
  int64_t accountVersion = 0;  // the account's version when its token was signed (0: not known)
  int64_t issuedAt = 0;        // its token's iat and exp, unix seconds (0: not known)
  int64_t expiresAt = 0;
  bool anonymous() const { return userId.empty(); }
  bool isCustomer() const { return role == "customer"; }
};

// UNAUTHENTICATED (401) when the method needs a signed-in caller and there is none;
// PERMISSION_DENIED (403) when the caller's role is not among the method's roles.
Status checkRole(const RestMapping& mapping, const Principal& principal);

// INVALID_ARGUMENT (400) naming the first admin-only field a non-admin set to a non-default value.
Status checkAdminFields(const RestMapping& mapping, const Principal& principal, const google::protobuf::Message& request);

// The name a client uses for a request field path: lowerCamelCase per segment ("user_id" -> "userId").
std::string clientFieldName(std::string_view path);

// For customers: fills the owner field with their id when empty; NOT_FOUND (404, as if the
// resource did not exist) when it names someone else. For operators and admins it fills an empty
// owner field only where the mapping says ownerDefaultsToCaller ("own" by default); a user they
// name passes unchanged.
Status applyOwnership(const RestMapping& mapping, const Principal& principal, google::protobuf::Message& request);

// The value of a (dotted) string field, "" when absent.
std::string stringField(const google::protobuf::Message& message, std::string_view path);

// NOT_FOUND when a customer is not `owner` of the resource it asked for.
Status checkResourceOwner(const Principal& principal, std::string_view owner, std::string_view resource);

// Clamps every top-level `page_size` field above `maxPageSize` down to it (documented in the
// OpenAPI description); true when it changed the request.
bool clampPageSize(google::protobuf::Message& request, int maxPageSize);

}  // namespace fleetdeck::gateway
