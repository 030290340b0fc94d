// Where orders live: the event store (the truth) and the read model projected from it, kept in
// one PostgreSQL database and changed together in one transaction.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "domain/order.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::orders {

struct ChangeContext {
  std::string actor = "system";
  std::string traceId;
  std::string causationId;
  // When the caller stops waiting (the incoming call's deadline): calls made on its behalf end by
  // then, and a change not yet written is not written once it passed. Unset: no caller waits.
  std::optional<std::chrono::system_clock::time_point> deadline;
};

struct RecordedEvent {
  std::string eventId;
  std::string orderId;
  int64_t version = 0;
  std::string type;
  std::string payloadJson;
  ChangeContext metadata;
  int64_t recordedAtMicros = 0;
  int64_t globalPosition = 0;
};

struct OrderQuery {
  std::string status;
  std::string userId;
  int64_t createdAfterMicros = 0;   // 0: no bound
  int64_t createdBeforeMicros = 0;  // 0: no bound
  int pageSize = 50;
  std::string beforeId;  // keyset cursor, newest first
};

struct OrderPage {
  std::vector<Order> orders;
  bool hasMore = false;
};

struct NewOrder {
  OrderCreated created;
  // (user, key) -> order: a repeated create with the same key returns the first order.
  std::string idempotencyKey;
};

class OrderStore {
 public:
  virtual ~OrderStore() = default;
  // Appends OrderCreated as version 1 and inserts the read-model row. When the idempotency key was
  // used before by this user, returns that order instead (nothing written).
  virtual Result<Order> create(const NewOrder& order, const ChangeContext& context) = 0;
  // The order a user's idempotency key created, if any (a read of the read model).
  virtual Result<std::optional<Order>> findByIdempotencyKey(const std::string& userId, const std::string& key) = 0;
  // The current state, folded from the event stream (from the newest snapshot on). NOT_FOUND.
  virtual Result<Order> load(const std::string& orderId) = 0;
  // Appends one event after `expectedVersion` and updates the read model in the same transaction.
  // ABORTED when the stream moved on.
  virtual Result<Order> append(const Order& current, const OrderEvent& event, const ChangeContext& context) = 0;
  // Reads of the read model.
  virtual Result<Order> get(const std::string& orderId) = 0;
  virtual Result<OrderPage> list(const OrderQuery& query) = 0;
  // The whole event stream, oldest first. NOT_FOUND for an unknown order.
  virtual Result<std::vector<RecordedEvent>> history(const std::string& orderId) = 0;
  // Events across all orders, newest first (the audit trail): optional order and actor filters,
  // keyset paging by global position.
  virtual Result<std::vector<RecordedEvent>> recentEvents(const std::string& orderId, const std::string& actor,
                                                          int64_t beforePosition, int limit) = 0;
};

// The products service as the order needs it: current prices and names for the lines.
class Catalog {
 public:
  virtual ~Catalog() = default;
  // Priced lines in request order; INVALID_ARGUMENT naming "items[i].productId" for unknown or
  // inactive products; UNAVAILABLE when the catalog cannot be reached.
  virtual Result<std::vector<OrderLine>> priceLines(const std::vector<LineRequest>& lines,
                                                    const ChangeContext& context) = 0;
};

}  // namespace fleetdeck::orders
