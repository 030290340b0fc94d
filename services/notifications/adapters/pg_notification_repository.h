// NotificationRepository on PostgreSQL (libpqxx), the only code of the notifications service that speaks SQL.
#pragma once

#include <pqxx/pqxx>

#include "fleetdeck/db/connection_pool.h"
#include "ports/notification_repository.h"

namespace fleetdeck::notifications {

class PgNotificationRepository final : public NotificationRepository {
 public:
  explicit PgNotificationRepository(db::ConnectionPool& pool) : pool_(pool) {}

  // Runs the transaction-level recordOnce in a transaction of its own.
  Result<Recorded> recordOnce(const Notification& notification) override;
  Result<NotificationPage> listForUser(const NotificationQuery& query) override;

  // Inside the caller's transaction, so a consumer can record a notification atomically with its
  // own work (e.g. acknowledging an event). INSERT ... ON CONFLICT (source_id) DO NOTHING, then the
  // stored row. Needs READ COMMITTED (pqxx::work's default): at a stricter level a concurrent
  // first insert of the same source id surfaces as ABORTED, to be retried as a whole.
  static Result<Recorded> recordOnce(pqxx::work& transaction, const Notification& notification);

 private:
  db::ConnectionPool& pool_;
};

}  // namespace fleetdeck::notifications
