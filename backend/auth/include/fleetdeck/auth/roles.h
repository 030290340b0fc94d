// The fleet's roles and who may do what with them; the gateway enforces, services record.
#pragma once

#include <string_view>
#include <vector>
#include <string>

namespace fleetdeck::auth {

inline constexpr std::string_view kRoleAnonymous = "anonymous";
inline constexpr std::string_view kRoleCustomer = "customer";
inline constexpr std::string_view kRoleOperator = "operator";
inline constexpr std::string_view kRoleAdmin = "admin";

// A signed-in user's role: customer, operator or admin.
bool isUserRole(std::string_view role);

// Whether `role` (empty for an anonymous caller) may call a method allowed to `allowed`. Admins may
// call everything; "anonymous" in the list lets everyone in; an empty list means admin only.
bool roleAllowed(const std::vector<std::string>& allowed, std::string_view role);

}  // namespace fleetdeck::auth
