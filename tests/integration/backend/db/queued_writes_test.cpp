// Writes queued for the commit (db::writeAtCommit, PendingWrites) against a real PostgreSQL: they
// travel with the COMMIT as one pipeline, in order, their arguments as parameters; a failing one
// takes the whole transaction with it, maps to the Status a direct statement would, and leaves the
// connection usable.
#include <gtest/gtest.h>

#include <optional>

#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck::db {
namespace {

constexpr const char* kInsert = "INSERT INTO notes (id, note, data) VALUES ($1, $2, $3::bytea)";

std::unique_ptr<ConnectionPool> notesDatabase(std::string* url = nullptr) {
  const std::string database = testing::createTestDatabase("queued_writes");
  if (url != nullptr) *url = database;
  // One connection: every transaction of a test runs on the connection the one before returned.
  auto pool = std::make_unique<ConnectionPool>(PoolOptions{database, 1, std::chrono::milliseconds(5000), "queued-test"});
  EXPECT_TRUE(inTransaction(*pool, [](pqxx::work& transaction) {
                transaction.exec("CREATE TABLE notes (id int PRIMARY KEY CHECK (id > 0), note text, data bytea)");
                return Status::ok();
              }).isOk());
  return pool;
}

int64_t count(ConnectionPool& pool, const std::string& where = "true") {
  int64_t rows = -1;
  EXPECT_TRUE(inTransaction(pool, [&](pqxx::work& transaction) {
                rows = transaction.exec("SELECT count(*) FROM notes WHERE " + where)[0][0].as<int64_t>();
                return Status::ok();
              }).isOk());
  return rows;
}

TEST(QueuedWrites, TravelWithTheCommit_InOrder_ArgumentsAsTheyWere) {
  auto pool = notesDatabase();
  const std::string awkward = "it's a \"quote\", a back\\slash, {braces}, ünïcode; DROP TABLE notes; --";
  ASSERT_TRUE(inTransaction(*pool, [&](pqxx::work& transaction) {
                writeAtCommit(transaction, kInsert, 1, awkward, std::string("\\x00ff"));
                writeAtCommit(transaction, kInsert, 2, std::optional<std::string>(), std::string("\\x"));
                // Not prepared: planned on its own, as the relay's sent mark is.
                PendingWrites::of(transaction)->add(
                    {.sql = "UPDATE notes SET note = note || ' (seen)' WHERE id = 1", .prepared = false});
                // Queued, so not there yet inside the transaction.
                EXPECT_EQ(transaction.exec("SELECT count(*) FROM notes")[0][0].as<int64_t>(), 0);
                return Status::ok();
              }).isOk());
  auto lease = pool->acquire();
  ASSERT_TRUE(lease.isOk());
  pqxx::nontransaction query(**lease);
  const auto rows = query.exec("SELECT id, note, encode(data, 'hex') FROM notes ORDER BY id");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][1].as<std::string>(), awkward + " (seen)");
  EXPECT_EQ(rows[0][2].as<std::string>(), "00ff");
  EXPECT_TRUE(rows[1][1].is_null());
  EXPECT_EQ(rows[1][2].as<std::string>(), "");
}

TEST(QueuedWrites, OneFailingInTheMiddle_RollsBackEverything_AndTheConnectionServesTheNextTransaction) {
  auto pool = notesDatabase();
  const Status failed = inTransaction(*pool, [&](pqxx::work& transaction) {
    transaction.exec("INSERT INTO notes (id, note) VALUES (10, 'written at once')");
    writeAtCommit(transaction, kInsert, 11, std::string("queued before"), std::string("\\x01"));
    writeAtCommit(transaction, kInsert, -1, std::string("breaks the CHECK"), std::string("\\x02"));
    writeAtCommit(transaction, kInsert, 12, std::string("queued after"), std::string("\\x03"));
    return Status::ok();
  });
  EXPECT_EQ(failed.code(), StatusCode::kInternal) << failed.toString();
  EXPECT_NE(failed.message().find("23514"), std::string::npos) << failed.toString();
  // The pool has one connection: this runs on the one the failed commit gave back.
  EXPECT_EQ(count(*pool), 0);
  ASSERT_TRUE(inTransaction(*pool, [&](pqxx::work& transaction) {
                writeAtCommit(transaction, kInsert, 13, std::string("after the failure"), std::string("\\x04"));
                return Status::ok();
              }).isOk());
  EXPECT_EQ(count(*pool, "id = 13"), 1);
}

TEST(QueuedWrites, ARepeatedKey_IsAlreadyExists_AsForADirectStatement) {
  auto pool = notesDatabase();
  const Status failed = inTransaction(*pool, [&](pqxx::work& transaction) {
    writeAtCommit(transaction, kInsert, 5, std::string("first"), std::string("\\x"));
    writeAtCommit(transaction, kInsert, 5, std::string("again"), std::string("\\x"));
    return Status::ok();
  });
  EXPECT_EQ(failed.code(), StatusCode::kAlreadyExists) << failed.toString();
  EXPECT_EQ(count(*pool), 0);
}

TEST(QueuedWrites, TheConnectionDyingBeforeTheCommit_IsUnavailable_AndThePoolConnectsAfresh) {
  std::string url;
  auto pool = notesDatabase(&url);
  pqxx::connection admin(url);
  const Status failed = inTransaction(*pool, [&](pqxx::work& transaction) {
    writeAtCommit(transaction, kInsert, 21, std::string("never committed"), std::string("\\x"));
    const int backend = transaction.exec("SELECT pg_backend_pid()")[0][0].as<int>();
    pqxx::nontransaction(admin).exec("SELECT pg_terminate_backend(" + std::to_string(backend) + ")");
    return Status::ok();
  });
  EXPECT_EQ(failed.code(), StatusCode::kUnavailable) << failed.toString();
  // The dead connection was not lent again: this transaction gets a new one.
  ASSERT_TRUE(inTransaction(*pool, [&](pqxx::work& transaction) {
                writeAtCommit(transaction, kInsert, 22, std::string("on a new connection"), std::string("\\x"));
                return Status::ok();
              }).isOk());
  EXPECT_EQ(count(*pool), 1);
  EXPECT_EQ(count(*pool, "id = 22"), 1);
}

}  // namespace
}  // namespace fleetdeck::db
