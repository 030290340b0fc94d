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

TEST(MigrationStatements, SplitAtTheSemicolonsThatEndStatements_NotThoseInQuotesOrComments) {
  const auto statements = MigrationRunner::statementsOf(
      "-- fleetdeck:no-transaction\n"
      "-- a comment; with a semicolon\n"
      "DROP INDEX CONCURRENTLY IF EXISTS a_idx;\n"
      "CREATE INDEX CONCURRENTLY a_idx ON a (x) WHERE note <> 'a;b' AND \"odd;name\" IS NULL;\n"
      "/* block; /* nested; */ still; */ SELECT 'it''s;';\n"
      "SELECT E'back\\';slash';\n"
      "DO $body$ BEGIN PERFORM 1; END $body$;\n"
      "SELECT $$;$$, $1x;\n"
      "SELECT 1 -- no final semicolon\n"
      "  ;  -- an empty statement follows\n"
      "  ;\n"
      "-- only a comment left");
  ASSERT_TRUE(statements.isOk()) << statements.status().toString();
  const std::vector<std::string> expected = {
      "-- fleetdeck:no-transaction\n-- a comment; with a semicolon\nDROP INDEX CONCURRENTLY IF EXISTS a_idx",
      "CREATE INDEX CONCURRENTLY a_idx ON a (x) WHERE note <> 'a;b' AND \"odd;name\" IS NULL",
      "/* block; /* nested; */ still; */ SELECT 'it''s;'",
      "SELECT E'back\\';slash'",
      "DO $body$ BEGIN PERFORM 1; END $body$",
      "SELECT $$;$$, $1x",
      "SELECT 1 -- no final semicolon",
  };
  EXPECT_EQ(*statements, expected);
}

TEST(MigrationStatements, AnUnterminatedQuoteOrCommentIsAnErrorNamingItsLine) {
  for (const auto& [sql, what] : std::vector<std::pair<std::string, std::string>>{
           {"SELECT 1;\nSELECT 'open;", "unterminated string from line 2"},
           {"SELECT \"open;", "unterminated quoted identifier from line 1"},
           {"SELECT 1;\n\n/* open; /* */", "unterminated /* comment from line 3"},
           {"DO $f$ BEGIN END $g$;", "unterminated $f$ quote from line 1"}}) {
    const auto statements = MigrationRunner::statementsOf(sql);
    ASSERT_FALSE(statements.isOk()) << sql;
    EXPECT_EQ(statements.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(statements.status().message().find(what), std::string::npos) << statements.status().message();
  }
}

TEST(MigrationStatements, OnlyAFirstLineMarkerRunsAMigrationOutsideATransaction) {
  EXPECT_TRUE(MigrationRunner::runsOutsideTransaction({"007_a.sql", "-- fleetdeck:no-transaction\nCREATE INDEX …"}));
  EXPECT_TRUE(MigrationRunner::runsOutsideTransaction({"007_a.sql", "-- fleetdeck:no-transaction \r\nSELECT 1"}));
  EXPECT_FALSE(MigrationRunner::runsOutsideTransaction({"007_a.sql", "SELECT 1;\n-- fleetdeck:no-transaction"}));
  EXPECT_FALSE(MigrationRunner::runsOutsideTransaction({"007_a.sql", "-- fleetdeck:no-transactions\nSELECT 1"}));
}

}  // namespace
}  // namespace fleetdeck::db
