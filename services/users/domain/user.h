// The user account and the rules its fields follow; pure C++, no I/O.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fleetdeck/core/status.h"

namespace fleetdeck::users {

inline constexpr std::string_view kRoleCustomer = "customer";
inline constexpr std::string_view kRoleOperator = "operator";
inline constexpr std::string_view kRoleAdmin = "admin";
inline constexpr std::string_view kStatusActive = "active";
inline constexpr std::string_view kStatusDisabled = "disabled";

struct User {
  std::string id;
  std::string username;
  std::string email;
  std::string displayName;
  std::string role;
  std::string status;
  std::string passwordHash;  // argon2id encoded; never leaves the service
  int64_t version = 0;
  int64_t createdAtMicros = 0;
  int64_t updatedAtMicros = 0;
};

struct NewUser {
  std::string username;
  std::string email;
  std::string password;
  std::string displayName;
  std::string role;
  // Optional: a repeat under the same key (the first answer was lost) gets the account it made.
  std::string idempotencyKey;
};

// Who makes a change and under which trace: recorded in the audit trail with the change.
struct ChangeContext {
  std::string actor = "system";
  std::string traceId;
};

// The fields an update may change; unset means "leave as is".
struct UserChanges {
  std::optional<std::string> email;
  std::optional<std::string> displayName;
  std::optional<std::string> role;
  std::optional<std::string> status;
  bool empty() const { return !email && !displayName && !role && !status; }
};

bool isValidRole(std::string_view role);
bool isValidStatus(std::string_view status);

// Each returns an empty string when valid, otherwise the reason, worded for the client.
std::string usernameProblem(std::string_view username);
std::string emailProblem(std::string_view email);
std::string passwordProblem(std::string_view password, std::string_view username);
std::string displayNameProblem(std::string_view displayName);


// Lower-cases and trims; addresses compare case-insensitively.
std::string normalizeEmail(std::string_view email);

// Normalises (email case, default role and display name) and validates every field at once.
Status prepareNewUser(NewUser& user);
Status validateChanges(UserChanges& changes);

}  // namespace fleetdeck::users
