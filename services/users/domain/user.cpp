#include "domain/user.h"

#include <algorithm>
#include <cctype>

#include "fleetdeck/core/encoding.h"

namespace fleetdeck::users {
namespace {

constexpr size_t kMinPasswordLength = 12;
constexpr size_t kMaxPasswordLength = 128;
constexpr size_t kMaxDisplayNameLength = 100;

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  return text;
}

bool hasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

bool isValidRole(std::string_view role) {
  return role == kRoleCustomer || role == kRoleOperator || role == kRoleAdmin;
}

bool isValidStatus(std::string_view status) { return status == kStatusActive || status == kStatusDisabled; }

std::string usernameProblem(std::string_view username) {
  if (username.size() < 3 || username.size() > 32) return "must be 3 to 32 characters long";
  if (!std::isalnum(static_cast<unsigned char>(username.front()))) return "must start with a letter or digit";
  for (char c : username) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!allowed) return "may contain only lower-case letters, digits, '.', '_' and '-'";
  }
  return {};
}

std::string emailProblem(std::string_view email) {
  if (email.empty()) return "is required";
  if (email.size() > 254) return "must be at most 254 characters long";
  const size_t at = email.find('@');
  if (at == std::string_view::npos || at == 0 || email.find('@', at + 1) != std::string_view::npos) {
    return "must be an address like name@example.com";
  }
  const std::string_view local = email.substr(0, at);
  const std::string_view domain = email.substr(at + 1);
  if (local.size() > 64) return "local part must be at most 64 characters long";
  const size_t dot = domain.find('.');
  if (domain.empty() || dot == std::string_view::npos || dot == 0 || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos) {
    return "must be an address like name@example.com";
  }
  for (char c : email) {
    if (std::isspace(static_cast<unsigned char>(c)) || hasControlCharacter(std::string_view(&c, 1)) || c == '<' ||
        c == '>' || c == ',' || c == ';') {
      return "must not contain spaces or the characters <>,;";
    }
  }
  return {};
}

std::string passwordProblem(std::string_view password, std::string_view username) {
  // Characters, as the policy says, not bytes: four emoji are 16 bytes but not a 12-character password.
  const size_t characters = static_cast<size_t>(
      std::count_if(password.begin(), password.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  if (characters < kMinPasswordLength) {
    return "must be at least " + std::to_string(kMinPasswordLength) + " characters long";
  }
  if (characters > kMaxPasswordLength || password.size() > 4 * kMaxPasswordLength) {
    return "must be at most " + std::to_string(kMaxPasswordLength) + " characters long";
  }
  std::string lowered(password);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(), [](unsigned char c) { return std::tolower(c); });
  if (!username.empty() && lowered.find(username) != std::string::npos) return "must not contain the username";
  return {};
}

std::string displayNameProblem(std::string_view displayName) {
  // Characters, as the message says: 100 of them in Cyrillic or CJK are 200 to 300 bytes, and the
  // text column holds any length. Well-formed UTF-8 first, so each counted lead byte is one character.
  if (!isUtf8(displayName)) return "must be valid UTF-8 text";
  const size_t characters = static_cast<size_t>(std::count_if(
      displayName.begin(), displayName.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
  if (characters > kMaxDisplayNameLength) {
    return "must be at most " + std::to_string(kMaxDisplayNameLength) + " characters long";
  }
  if (hasControlCharacter(displayName)) return "must not contain control characters";
  return {};
}

std::string normalizeEmail(std::string_view email) {
  std::string result(trim(email));
  std::transform(result.begin(), result.end(), result.begin(), [](unsigned char c) { return std::tolower(c); });
  return result;
}

Status prepareNewUser(NewUser& user) {
  user.email = normalizeEmail(user.email);
  user.displayName = std::string(trim(user.displayName));
  if (user.displayName.empty()) user.displayName = user.username;
  if (user.role.empty()) user.role = std::string(kRoleCustomer);

  ValidationErrors errors;
  if (auto problem = usernameProblem(user.username); !problem.empty()) errors.add("username", problem);
  if (auto problem = emailProblem(user.email); !problem.empty()) errors.add("email", problem);
  if (auto problem = passwordProblem(user.password, user.username); !problem.empty()) errors.add("password", problem);
  if (auto problem = displayNameProblem(user.displayName); !problem.empty()) errors.add("displayName", problem);
  if (!isValidRole(user.role)) errors.add("role", "must be one of customer, operator, admin");
  return errors.toStatus();
}

Status validateChanges(UserChanges& changes) {
  ValidationErrors errors;
  if (changes.empty()) errors.add("updateMask", "names no field to change");
  if (changes.email) {
    *changes.email = normalizeEmail(*changes.email);
    if (auto problem = emailProblem(*changes.email); !problem.empty()) errors.add("email", problem);
  }
  if (changes.displayName) {
    *changes.displayName = std::string(trim(*changes.displayName));
    if (changes.displayName->empty()) {
      errors.add("displayName", "must not be empty");
    } else if (auto problem = displayNameProblem(*changes.displayName); !problem.empty()) {
      errors.add("displayName", problem);
    }
  }
  if (changes.role && !isValidRole(*changes.role)) errors.add("role", "must be one of customer, operator, admin");
  if (changes.status && !isValidStatus(*changes.status)) errors.add("status", "must be active or disabled");
  return errors.toStatus();
}

}  // namespace fleetdeck::users
