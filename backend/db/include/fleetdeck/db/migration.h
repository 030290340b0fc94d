// One schema migration: a file named NNN_description.sql and its SQL text.
#pragma once

#include <string>

namespace fleetdeck::db {

struct Migration {
  std::string name;  // "001_create_users.sql"
  std::string sql;
};

}  // namespace fleetdeck::db
