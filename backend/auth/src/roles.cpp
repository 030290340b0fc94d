#include "fleetdeck/auth/roles.h"

#include <algorithm>

namespace fleetdeck::auth {

bool isUserRole(std::string_view role) {
  return role == kRoleCustomer || role == kRoleOperator || role == kRoleAdmin;
}

bool roleAllowed(const std::vector<std::string>& allowed, std::string_view role) {
  if (role == kRoleAdmin) return true;
  for (const auto& entry : allowed) {
    if (entry == kRoleAnonymous) return true;
    if (!role.empty() && entry == role) return true;
  }
  return false;
}

}  // namespace fleetdeck::auth
