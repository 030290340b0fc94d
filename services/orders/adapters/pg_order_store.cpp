#include "adapters/pg_order_store.h"

#include "domain/event_codec.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/eventstore/event_store.h"

namespace fleetdeck::orders {

const char* const kOrderColumns =
    "id::text, user_id::text, status, items::text, total_units, currency, saga_id::text, cancel_reason,"
    " tracking_number, version, created_at_us, updated_at_us";

Order orderFromRow(const pqxx::row& row) {
  Order order;
  order.id = row[0].as<std::string>();
  order.userId = row[1].as<std::string>();
  order.status = row[2].as<std::string>();
  auto lines = decodeLines(row[3].as<std::string>());
  if (lines) order.items = std::move(*lines);
  order.total = {row[5].as<std::string>(), row[4].as<int64_t>()};
  order.sagaId = row[6].as<std::string>();
  order.cancelReason = row[7].as<std::string>();
  order.trackingNumber = row[8].as<std::string>();
  order.version = row[9].as<int64_t>();
  order.createdAtMicros = row[10].as<int64_t>();
  order.updatedAtMicros = row[11].as<int64_t>();
  return order;
}

namespace {

RecordedEvent recordedFrom(const eventstore::StoredEvent& stored) {
  return {stored.eventId,
          stored.streamId,
          stored.version,
          stored.type,
          stored.payloadJson,
          {stored.metadata.actor, stored.metadata.traceId, stored.metadata.causationId},
          stored.recordedAtMicros,
          stored.globalPosition};
}

eventstore::EventMetadata metadataOf(const ChangeContext& context) {
  return {context.actor, context.traceId, context.causationId};
}

}  // namespace

void PgOrderStore::project(pqxx::work& transaction, const Order& order, const std::string& table) {
  // Nothing reads the projection back in the transaction that changes it: it goes with the commit.
  db::writeAtCommit(transaction,
      "INSERT INTO " + table +
          " (id, user_id, status, items, total_units, currency, saga_id, cancel_reason, tracking_number, version,"
          "  created_at_us, updated_at_us)"
          " VALUES ($1, $2, $3, $4::jsonb, $5, $6, $7, $8, $9, $10, $11, $12)"
          " ON CONFLICT (id) DO UPDATE SET status = EXCLUDED.status, items = EXCLUDED.items,"
          "  total_units = EXCLUDED.total_units, currency = EXCLUDED.currency, saga_id = EXCLUDED.saga_id,"
          "  cancel_reason = EXCLUDED.cancel_reason, tracking_number = EXCLUDED.tracking_number,"
          "  version = EXCLUDED.version, updated_at_us = EXCLUDED.updated_at_us",
      order.id, order.userId, order.status, encodeLines(order.items), order.total.units, order.total.currency,
      order.sagaId, order.cancelReason, order.trackingNumber, order.version, order.createdAtMicros,
      order.updatedAtMicros);
}

void PgOrderStore::committed(AfterCommit& afterCommit) {
  for (auto& action : afterCommit) action();
  if (hooks_.afterCommit) hooks_.afterCommit();
}

Result<Order> PgOrderStore::create(const NewOrder& newOrder, const ChangeContext& context) {
  bool createdNow = false;
  AfterCommit afterCommit;
  // The caller's deadline holds to the end: waiting for a pooled connection, for a concurrent create
  // of the same key, or for a slow statement must not place an order after the caller was told it
  // failed (the gateway's 504), who may well order again.
  const auto remaining = [&] {
    return std::chrono::duration_cast<std::chrono::milliseconds>(*context.deadline - std::chrono::system_clock::now());
  };
  const auto pastDeadline = [] {
    return Status(StatusCode::kDeadlineExceeded, "the caller's deadline passed before the order was stored; nothing was placed");
  };
  auto result = db::inTransaction<Order>(pool_, [&](pqxx::work& transaction) -> Result<Order> {
    const OrderCreated& created = newOrder.created;
    // No statement_timeout: it would cost every create a round trip, and the check before COMMIT
    // below already refuses what a slow statement made late.
    if (context.deadline && remaining().count() <= 0) return pastDeadline();
    if (!newOrder.idempotencyKey.empty()) {
      // Claim the key first: a concurrent create with the same key waits here, then finds the winner.
      const auto claimed = db::execPrepared(transaction,
          "INSERT INTO order_idempotency (user_id, idempotency_key, order_id) VALUES ($1, $2, $3)"
          " ON CONFLICT DO NOTHING RETURNING order_id",
          created.userId, newOrder.idempotencyKey, created.orderId);
      if (claimed.empty()) {
        const auto existing = transaction.exec_params(
            std::string("SELECT ") + kOrderColumns +
                " FROM orders WHERE id = (SELECT order_id FROM order_idempotency"
                " WHERE user_id = $1 AND idempotency_key = $2)",
            created.userId, newOrder.idempotencyKey);
        if (existing.empty()) return internalError("idempotency key points at a missing order");
        return orderFromRow(existing[0]);
      }
    }
    const std::string eventId = newUuid();
    int64_t recordedAt = 0;
    auto appended = eventstore::EventStore::append(
        transaction, created.orderId, 0,
        {{eventId, std::string(eventTypeName(OrderEvent(created))), encodeEvent(OrderEvent(created)),
          metadataOf(context)}},
        &recordedAt);
    if (!appended) return appended.status();
    Order order;
    apply(order, OrderEvent(created), recordedAt);
    project(transaction, order);
    if (hooks_.onEvent) FLEETDECK_RETURN_IF_ERROR(hooks_.onEvent(transaction, order, OrderEvent(created), eventId, context));
    if (hooks_.onCreated) hooks_.onCreated(transaction, order, context, afterCommit);
    // The last look before COMMIT: a deadline passed meanwhile rolls everything back.
    if (context.deadline && remaining().count() <= 0) return pastDeadline();
    createdNow = true;
    return order;
  });
  if (result.isOk() && createdNow) committed(afterCommit);
  return result;
}

Result<Order> PgOrderStore::load(const std::string& orderId) {
  return db::inTransaction<Order>(pool_,
                                  [&](pqxx::work& transaction) -> Result<Order> { return loadIn(transaction, orderId); });
}

Result<Order> PgOrderStore::loadIn(pqxx::work& transaction, const std::string& orderId) {
  Order order;
  auto latest = eventstore::EventStore::loadLatest(transaction, orderId);
  if (latest.snapshot) {
    auto decoded = decodeOrder(latest.snapshot->stateJson);
    // A snapshot is used only when it is what it says: this order, at the version it was taken at
    // (one written by an older encoder could decode with fields missing, a version of 0 among them,
    // and every later append would then be refused as a conflict).
    if (decoded && decoded->id == orderId && decoded->version == latest.snapshot->version) {
      order = std::move(*decoded);
    } else {
      latest.events = eventstore::EventStore::readStream(transaction, orderId);  // replay it all instead
    }
  }
  for (const auto& stored : latest.events) {
    auto event = decodeEvent(stored.type, stored.payloadJson);
    if (!event) return event.status();
    apply(order, *event, stored.recordedAtMicros);
  }
  if (order.version == 0) return notFound("order " + orderId + " does not exist");
  return order;
}

Result<Order> PgOrderStore::getIn(pqxx::work& transaction, const std::string& orderId) {
  // Built once (appending, not operator+, which GCC 12 flags with a false -Wstringop-overflow here).
  static const std::string sql = [] {
    std::string text = "SELECT ";
    text.append(kOrderColumns).append(" FROM orders WHERE id = $1");
    return text;
  }();
  const auto rows = db::execPrepared(transaction, sql, orderId);
  if (rows.empty()) return notFound("order " + orderId + " does not exist");
  return orderFromRow(rows[0]);
}

Result<Order> PgOrderStore::appendIn(pqxx::work& transaction, const Order& current, const OrderEvent& event,
                                     const ChangeContext& context, AfterCommit& afterCommit) {
  const std::string eventId = newUuid();
  int64_t recordedAt = 0;
  auto version = eventstore::EventStore::append(
      transaction, current.id, current.version,
      {{eventId, std::string(eventTypeName(event)), encodeEvent(event), metadataOf(context)}}, &recordedAt);
  if (!version) return version.status();
  Order next = current;
  apply(next, event, recordedAt);
  project(transaction, next);
  if (snapshotEvery_ > 0 && next.version % snapshotEvery_ == 0) {
    eventstore::EventStore::saveSnapshot(transaction, {next.id, next.version, encodeOrder(next)});
  }
  if (hooks_.onEvent) FLEETDECK_RETURN_IF_ERROR(hooks_.onEvent(transaction, next, event, eventId, context));
  if (hooks_.onAppended) hooks_.onAppended(transaction, current, next, event, context, afterCommit);
  return next;
}

Result<Order> PgOrderStore::append(const Order& current, const OrderEvent& event, const ChangeContext& context) {
  AfterCommit afterCommit;
  auto result = db::inTransaction<Order>(
      pool_, [&](pqxx::work& transaction) { return appendIn(transaction, current, event, context, afterCommit); });
  if (result.isOk()) committed(afterCommit);
  return result;
}

Result<std::optional<Order>> PgOrderStore::findByIdempotencyKey(const std::string& userId, const std::string& key) {
  auto lease = pool_.acquire();
  if (!lease) return lease.status();
  try {
    pqxx::nontransaction statement(**lease);
    const auto rows = statement.exec_params(
        std::string("SELECT ") + kOrderColumns +
            " FROM orders WHERE id = (SELECT order_id FROM order_idempotency WHERE user_id = $1 AND idempotency_key = $2)",
        userId, key);
    if (rows.empty()) return std::optional<Order>();
    return std::optional<Order>(orderFromRow(rows[0]));
  } catch (const std::exception& exception) {
    return db::statusFromException(exception);
  }
}

Result<Order> PgOrderStore::get(const std::string& orderId) {
  // One statement, so no transaction around it: one round trip instead of three (every saga step
  // that checks for a cancellation reads the order here).
  auto lease = pool_.acquire();
  if (!lease) return lease.status();
  try {
    pqxx::nontransaction statement(**lease);
    const auto rows =
        statement.exec_params(std::string("SELECT ") + kOrderColumns + " FROM orders WHERE id = $1", orderId);
    if (rows.empty()) return notFound("order " + orderId + " does not exist");
    return orderFromRow(rows[0]);
  } catch (const std::exception& exception) {
    return db::statusFromException(exception);
  }
}

Result<OrderPage> PgOrderStore::list(const OrderQuery& query) {
  const auto orNull = [](const std::string& text) {
    return text.empty() ? std::optional<std::string>() : std::optional<std::string>(text);
  };
  const auto boundOrNull = [](int64_t micros) {
    return micros == 0 ? std::optional<int64_t>() : std::optional<int64_t>(micros);
  };
  return db::inTransaction<OrderPage>(pool_, [&](pqxx::work& transaction) -> Result<OrderPage> {
    const auto rows = transaction.exec_params(
        std::string("SELECT ") + kOrderColumns +
            " FROM orders"
            " WHERE ($1::uuid IS NULL OR id < $1::uuid)"
            "   AND ($2::text IS NULL OR status = $2)"
            "   AND ($3::uuid IS NULL OR user_id = $3::uuid)"
            "   AND ($4::bigint IS NULL OR created_at_us >= $4)"
            "   AND ($5::bigint IS NULL OR created_at_us < $5)"
            " ORDER BY orders.id DESC LIMIT $6",  // the column: plain id is the id::text output
        orNull(query.beforeId), orNull(query.status), orNull(query.userId), boundOrNull(query.createdAfterMicros),
        boundOrNull(query.createdBeforeMicros), query.pageSize + 1);
    OrderPage page;
    for (const auto& row : rows) {
      if (static_cast<int>(page.orders.size()) == query.pageSize) {
        page.hasMore = true;
        break;
      }
      page.orders.push_back(orderFromRow(row));
    }
    return page;
  });
}

Result<std::vector<RecordedEvent>> PgOrderStore::history(const std::string& orderId) {
  return db::inTransaction<std::vector<RecordedEvent>>(
      pool_, [&](pqxx::work& transaction) -> Result<std::vector<RecordedEvent>> {
        std::vector<RecordedEvent> events;
        for (const auto& stored : eventstore::EventStore::readStream(transaction, orderId)) {
          events.push_back(recordedFrom(stored));
        }
        if (events.empty()) return notFound("order " + orderId + " does not exist");
        return events;
      });
}

Result<std::vector<RecordedEvent>> PgOrderStore::recentEvents(const std::string& orderId, const std::string& actor,
                                                             int64_t beforePosition, int limit) {
  return db::inTransaction<std::vector<RecordedEvent>>(
      pool_, [&](pqxx::work& transaction) -> Result<std::vector<RecordedEvent>> {
        const auto rows = transaction.exec_params(
            "SELECT global_position, event_id::text, stream_id, version, event_type, payload::text, actor, trace_id,"
            " causation_id, (extract(epoch FROM recorded_at) * 1000000)::bigint FROM events"
            " WHERE ($1::bigint IS NULL OR global_position < $1)"
            "   AND ($2::text IS NULL OR stream_id = $2)"
            "   AND ($3::text IS NULL OR actor = $3)"
            " ORDER BY global_position DESC LIMIT $4",
            beforePosition > 0 ? std::optional<int64_t>(beforePosition) : std::nullopt,
            orderId.empty() ? std::optional<std::string>() : orderId,
            actor.empty() ? std::optional<std::string>() : actor, limit);
        std::vector<RecordedEvent> events;
        for (const auto& row : rows) {
          events.push_back({row[1].as<std::string>(),
                            row[2].as<std::string>(),
                            row[3].as<int64_t>(),
                            row[4].as<std::string>(),
                            row[5].as<std::string>(),
                            {row[6].as<std::string>(), row[7].as<std::string>(), row[8].as<std::string>()},
                            row[9].as<int64_t>(),
                            row[0].as<int64_t>()});
        }
        return events;
      });
}

}  // namespace fleetdeck::orders
