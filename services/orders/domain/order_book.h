// The orders service's use cases: place, read, list, cancel, ship, deliver, history, time travel.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "domain/order.h"
#include "ports/order_store.h"

namespace fleetdeck::orders {

struct CreateRequest {
  std::string userId;
  std::vector<LineRequest> lines;
  std::string idempotencyKey;
};

struct ListRequest {
  std::string status;
  std::string userId;
  int pageSize = 0;
  std::string pageToken;
  int64_t createdAfterMicros = 0;
  int64_t createdBeforeMicros = 0;
};

struct ListResult {
  std::vector<Order> orders;
  std::string nextPageToken;
};

struct OrderAtVersion {
  Order order;
  RecordedEvent event;
};

// One change of an order as the audit trail shows it: the event and the state before and after.
struct OrderChange {
  RecordedEvent event;
  std::string beforeJson;  // empty for the first event
  std::string afterJson;
};

struct AuditRequest {
  std::string orderId;
  std::string actor;
  int pageSize = 0;
  std::string pageToken;
};

struct AuditResult {
  std::vector<OrderChange> changes;  // newest first
  std::string nextPageToken;
};

class OrderBook {
 public:
  static constexpr int kDefaultPageSize = 50;
  static constexpr int kMaxPageSize = 200;

  OrderBook(OrderStore& store, Catalog& catalog) : store_(store), catalog_(catalog) {}

  // Stores the order as PENDING with priced lines and a saga id; the saga takes it from there.
  Result<Order> create(const CreateRequest& request, const ChangeContext& context);
  Result<Order> get(const std::string& orderId);
  Result<ListResult> list(const ListRequest& request);
  // expectedVersion 0: whatever the current version is (still checked against concurrent appends).
  // With an idempotency key, a repeat by the same actor answers the order as the first request left
  // it (its event's causation id records the key) instead of 409/412; the key used for another
  // change of the order is INVALID_ARGUMENT naming idempotencyKey.
  Result<Order> cancel(const std::string& orderId, const std::string& reason, int64_t expectedVersion,
                       const ChangeContext& context, const std::string& idempotencyKey = {});
  Result<Order> ship(const std::string& orderId, const std::string& trackingNumber, int64_t expectedVersion,
                     const ChangeContext& context, const std::string& idempotencyKey = {});
  Result<Order> deliver(const std::string& orderId, int64_t expectedVersion, const ChangeContext& context,
                        const std::string& idempotencyKey = {});
  Result<Order> confirm(const std::string& orderId, const std::string& paymentId, const ChangeContext& context);
  Result<std::vector<RecordedEvent>> history(const std::string& orderId);
  // The order as it was right after event `version` (1-based): a fold of the first `version` events.
  Result<OrderAtVersion> atVersion(const std::string& orderId, int64_t version);
  // The audit trail of orders, which is their event history, newest first. INVALID_ARGUMENT naming each
  // of resourceId (not an order id), actor (over 128 characters), pageSize (negative) and pageToken.
  Result<AuditResult> audit(const AuditRequest& request);

 private:
  // The answer the first CreateOrder with an idempotency key gave: the order at version 1.
  Result<Order> firstAnswer(const std::string& orderId);
  Result<Order> transition(const std::string& orderId, int64_t expectedVersion, const ChangeContext& context,
                           const std::function<Result<OrderEvent>(const Order&)>& decide,
                           const std::string& idempotencyKey = {});
  // The order as the change `causationId` (by `actor`) left it, if there was one; INVALID_ARGUMENT
  // when that change was not `decide`'s kind of event.
  Result<std::optional<Order>> repeatedChange(const std::string& orderId, const std::string& actor,
                                              const std::string& causationId,
                                              const std::function<Result<OrderEvent>(const Order&)>& decide);

  OrderStore& store_;
  Catalog& catalog_;
};

}  // namespace fleetdeck::orders
