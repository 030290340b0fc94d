#include <gtest/gtest.h>

#include "fleetdeck/db/migration_runner.h"

namespace fleetdeck::db {
namespace {

TEST(MigrationNames, VersionComesFromTheNumberPrefix) {
  EXPECT_EQ(MigrationRunner::versionOf("001_create_users.sql"), 1);
  EXPECT_EQ(MigrationRunner::versionOf("042_add_index.sql"), 42);
  EXPECT_EQ(MigrationRunner::versionOf("create_users.sql"), -1);
  EXPECT_EQ(MigrationRunner::versionOf("001-create.sql"), -1);
  EXPECT_EQ(MigrationRunner::versionOf("001_create.txt"), -1);
}

TEST(MigrationNames, ValidateSortsAndRejectsDuplicates) {
  auto sorted = MigrationRunner::validate({{"010_b.sql", "b"}, {"002_a.sql", "a"}});
  ASSERT_TRUE(sorted.isOk());
  EXPECT_EQ((*sorted)[0].name, "002_a.sql");
  auto duplicate = MigrationRunner::validate({{"002_a.sql", "a"}, {"2_b.sql", "b"}});
  ASSERT_FALSE(duplicate.isOk());
  EXPECT_NE(duplicate.status().message().find("share the number 2"), std::string::npos);
  EXPECT_FALSE(MigrationRunner::validate({{"init.sql", "x"}}).isOk());
}

TEST(MigrationNames, ChecksumChangesWithTheText) {
  EXPECT_NE(MigrationRunner::checksum({"001_a.sql", "CREATE TABLE a (x int);"}),
            MigrationRunner::checksum({"001_a.sql", "CREATE TABLE a (x bigint);"}));
}

}  // namespace
}  // namespace fleetdeck::db
