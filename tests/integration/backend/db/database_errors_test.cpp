// statusFromException on errors a real PostgreSQL raises: the database's own trouble is transient
// (UNAVAILABLE, which callers retry and event consumers hold on), a bad statement is not.
#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <string>

#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck::db {
namespace {

Status statusOf(pqxx::connection& connection, const std::string& setup, const std::string& statement) {
  try {
    pqxx::work transaction(connection);
    if (!setup.empty()) transaction.exec(setup);
    transaction.exec(statement);
    transaction.commit();
  } catch (const std::exception& exception) {
    return statusFromException(exception);
  }
  return Status::ok();
}

class DatabaseErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    pqxx::work transaction(connection_);
    transaction.exec("CREATE TABLE IF NOT EXISTS items (id int PRIMARY KEY)");
    transaction.commit();
  }
  const std::string url_ = testing::createTestDatabase("database_errors");
  pqxx::connection connection_{url_};
};

// What a primary demoted under a service answers (25006): every consumer dead-lettered the events it
// fetched meanwhile, after its ten deliveries, as though each event were at fault.
TEST_F(DatabaseErrors, AReadOnlyDatabase_IsUnavailable) {
  const Status status = statusOf(connection_, "SET TRANSACTION READ ONLY", "INSERT INTO items VALUES (1)");
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.toString();
  EXPECT_NE(status.message().find("25006"), std::string::npos) << status.toString();
}

TEST_F(DatabaseErrors, ALockThatTimedOut_IsUnavailable) {
  pqxx::connection holder(url_);
  pqxx::work holding(holder);
  holding.exec("LOCK TABLE items IN ACCESS EXCLUSIVE MODE");
  const Status status = statusOf(connection_, "SET LOCAL lock_timeout = '50ms'", "SELECT * FROM items");
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.toString();
  EXPECT_NE(status.message().find("55P03"), std::string::npos) << status.toString();
}

TEST_F(DatabaseErrors, TheRequestsOwnFaults_AreNot) {
  EXPECT_EQ(statusOf(connection_, "", "INSERT INTO items VALUES (2), (2)").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(statusOf(connection_, "", "SELECT no_such_column FROM items").code(), StatusCode::kInternal);
  EXPECT_EQ(statusOf(connection_, "SET LOCAL statement_timeout = '20ms'", "SELECT pg_sleep(1)").code(),
            StatusCode::kDeadlineExceeded);
}

}  // namespace
}  // namespace fleetdeck::db
