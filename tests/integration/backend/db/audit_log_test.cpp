// The audit trail's list on each service's real schema (its migrations on a real PostgreSQL): a
// filtered page is an index range scan in id order, whatever the filter matches and wherever the
// matching rows lie.
#include "fleetdeck/db/audit_log.h"

#include <gtest/gtest.h>

#include <pqxx/pqxx>
#include <string>

#include "fleetdeck/db/migration_runner.h"
#include "fleetdeck/testing/test_infra.h"

namespace fleetdeck::db {
namespace {

class AuditListPlan : public ::testing::TestWithParam<const char*> {};

// The plan of one page, as EXPLAIN prints it.
std::string planOf(pqxx::connection& connection, const std::optional<std::string>& before,
                   const std::optional<std::string>& resourceId, const std::optional<std::string>& actor) {
  pqxx::nontransaction query(connection);
  std::string plan;
  for (const auto& row : query.exec_params(std::string("EXPLAIN ") + kListAuditStatement, before, resourceId, actor, 51)) {
    plan += row[0].as<std::string>() + "\n";
  }
  return plan;
}

TEST_P(AuditListPlan, AFilteredPageWalksAnIndexInIdOrder_NoSortNoFullScan) {
  const std::string service = GetParam();
  pqxx::connection connection(testing::createTestDatabase("audit_plan_" + service));
  auto migrations = MigrationRunner::loadDirectory(FLEETDECK_SOURCE_DIR "/services/" + service + "/migrations");
  ASSERT_TRUE(migrations.isOk()) << migrations.status().toString();
  ASSERT_TRUE(MigrationRunner::apply(connection, *migrations).isOk());
  {
    // 20,000 changes by one busy admin on many resources; the oldest 100 are by another admin, all
    // on one resource: the rows a filtered page wants lie at the far end of the id order, where a
    // walk down the primary key would reach them last.
    pqxx::work seed(connection);
    seed.exec(
        "INSERT INTO audit_log (id, resource, resource_id, action, actor, trace_id)"
        " SELECT ('00000000-0000-7000-8000-' || lpad(to_hex(n), 12, '0'))::uuid, 'users',"
        "        CASE WHEN n <= 100 THEN 'u-old' ELSE 'u-' || (n % 500) END, 'update',"
        "        CASE WHEN n <= 100 THEN 'admin-old' ELSE 'admin-busy' END, ''"
        " FROM generate_series(1, 20000) AS n");
    seed.commit();
  }
  pqxx::nontransaction(connection).exec("ANALYZE audit_log");

  const std::optional<std::string> none;
  const std::optional<std::string> token = "00000000-0000-7000-8000-000000000040";
  for (const auto& [what, plan] : {std::pair{"by resource", planOf(connection, none, "u-old", none)},
                                   std::pair{"by resource, second page", planOf(connection, token, "u-old", none)},
                                   std::pair{"by actor", planOf(connection, none, none, "admin-old")},
                                   std::pair{"by actor, second page", planOf(connection, token, none, "admin-old")}}) {
    SCOPED_TRACE(service + " " + what + ":\n" + plan);
    EXPECT_EQ(plan.find("Sort"), std::string::npos);
    EXPECT_EQ(plan.find("Seq Scan"), std::string::npos);
    EXPECT_NE(plan.find("Index Scan Backward using audit_log_"), std::string::npos);
    EXPECT_EQ(plan.find("audit_log_pkey"), std::string::npos);
  }
  // Unfiltered, a page is the newest rows of the primary key (it once sorted the whole table: the
  // statement's ORDER BY named the id::text output column instead of the uuid column).
  const std::string everything = planOf(connection, token, none, none);
  SCOPED_TRACE(service + " unfiltered:\n" + everything);
  EXPECT_EQ(everything.find("Sort"), std::string::npos);
  EXPECT_NE(everything.find("Index Scan Backward using audit_log_pkey"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(EveryServiceWithAnAuditTrail, AuditListPlan, ::testing::Values("users", "products", "payments"));

}  // namespace
}  // namespace fleetdeck::db
