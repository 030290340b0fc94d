#include "adapters/pg_notification_repository.h"

#include <optional>

namespace fleetdeck::notifications {
namespace {

constexpr const char* kColumns =
    "id::text, source_id, user_id::text, kind, title, body, (extract(epoch FROM created_at) * 1000000)::bigint";

Notification fromRow(const pqxx::row& row) {
  Notification notification;
  notification.id = row[0].as<std::string>();
  notification.sourceId = row[1].as<std::string>();
  notification.userId = row[2].as<std::string>();
  notification.kind = row[3].as<std::string>();
  notification.title = row[4].as<std::string>();
  notification.body = row[5].as<std::string>();
  notification.createdAtMicros = row[6].as<int64_t>();
  return notification;
}

}  // namespace

Result<Recorded> PgNotificationRepository::recordOnce(pqxx::work& transaction, const Notification& notification) {
  // A concurrent insert of the same source id makes this wait for it: after its commit DO NOTHING
  // applies and the SELECT (a new snapshot under READ COMMITTED) sees its row; after its rollback
  // this insert goes ahead. Either way exactly one row exists and everybody returns it.
  const auto inserted = transaction.exec_params(
      std::string("INSERT INTO notifications (id, source_id, user_id, kind, title, body)"
                  " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (source_id) DO NOTHING RETURNING ") +
          kColumns,
      notification.id, notification.sourceId, notification.userId, notification.kind, notification.title,
      notification.body);
  if (!inserted.empty()) return Recorded{fromRow(inserted[0]), true};

  const auto existing = transaction.exec_params(
      std::string("SELECT ") + kColumns + " FROM notifications WHERE source_id = $1", notification.sourceId);
  if (existing.empty()) {
    return aborted("notification for source " + notification.sourceId +
                   " was stored concurrently and is not visible to this transaction yet; retry");
  }
  return Recorded{fromRow(existing[0]), false};
}

Result<Recorded> PgNotificationRepository::recordOnce(const Notification& notification) {
  return db::inTransaction<Recorded>(
      pool_, [&](pqxx::work& transaction) { return recordOnce(transaction, notification); });
}

Result<NotificationPage> PgNotificationRepository::listForUser(const NotificationQuery& query) {
  return db::inTransaction<NotificationPage>(pool_, [&](pqxx::work& transaction) -> Result<NotificationPage> {
    // Row comparison matches the index order (created_at DESC, id DESC). The cursor's time goes back
    // through integer interval arithmetic, so it is exact to the microsecond (no float rounding).
    const bool fromStart = query.after.empty();
    const auto rows = transaction.exec_params(
        std::string("SELECT ") + kColumns +
            " FROM notifications"
            " WHERE user_id = $1::uuid"
            "   AND ($2::bigint IS NULL"
            "        OR (created_at, id) < ('epoch'::timestamptz + $2::bigint * interval '1 microsecond', $3::uuid))"
            " ORDER BY notifications.created_at DESC, notifications.id DESC LIMIT $4",  // the columns, not the outputs
        query.userId, fromStart ? std::optional<int64_t>() : query.after.createdAtMicros,
        fromStart ? std::optional<std::string>() : query.after.id, query.pageSize + 1);
    NotificationPage page;
    for (const auto& row : rows) {
      if (static_cast<int>(page.notifications.size()) == query.pageSize) {
        page.hasMore = true;
        break;
      }
      page.notifications.push_back(fromRow(row));
    }
    return page;
  });
}

}  // namespace fleetdeck::notifications
