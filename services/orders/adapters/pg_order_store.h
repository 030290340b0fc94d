// OrderStore on PostgreSQL: events through fleetdeck::eventstore, the read model beside them.
#pragma once

#include <functional>
#include <vector>

#include "fleetdeck/db/connection_pool.h"
#include "ports/order_store.h"

namespace fleetdeck::orders {

// Work a hook queues from inside the transaction, run only once that transaction committed (e.g.
// start the saga it recorded).
using AfterCommit = std::vector<std::function<void()>>;

// What else must happen in the same transaction as an order change (record a saga, write the
// outbox), and after it commits (start that saga, wake the relay).
struct OrderStoreHooks {
  std::function<void(pqxx::work&, const Order& order, const ChangeContext&, AfterCommit&)> onCreated;
  std::function<void(pqxx::work&, const Order& before, const Order& after, const OrderEvent&, const ChangeContext&,
                     AfterCommit&)>
      onAppended;
  // Every event stored (OrderCreated included), with the id the event store recorded it under; a
  // non-OK status rolls the change back (e.g. the outbox row could not be written).
  std::function<Status(pqxx::work&, const Order& after, const OrderEvent&, const std::string& eventId,
                       const ChangeContext&)>
      onEvent;
  std::function<void()> afterCommit;
};

class PgOrderStore final : public OrderStore {
 public:
  // A snapshot is taken whenever a stream's version reaches a multiple of snapshotEvery.
  PgOrderStore(db::ConnectionPool& pool, int snapshotEvery, OrderStoreHooks hooks = {})
      : pool_(pool), snapshotEvery_(snapshotEvery), hooks_(std::move(hooks)) {}

  Result<Order> create(const NewOrder& order, const ChangeContext& context) override;
  Result<std::optional<Order>> findByIdempotencyKey(const std::string& userId, const std::string& key) override;
  Result<Order> load(const std::string& orderId) override;
  Result<Order> append(const Order& current, const OrderEvent& event, const ChangeContext& context) override;
  Result<Order> get(const std::string& orderId) override;
  Result<OrderPage> list(const OrderQuery& query) override;
  Result<std::vector<RecordedEvent>> history(const std::string& orderId) override;
  Result<std::vector<RecordedEvent>> recentEvents(const std::string& orderId, const std::string& actor,
                                                  int64_t beforePosition, int limit) override;

  // Writes `order` into the read model (insert or replace); shared with the projection rebuild.
  static void project(pqxx::work& transaction, const Order& order, const std::string& table = "orders");

  // load(), get() and append() inside a caller's transaction (a saga step's guard or local action,
  // which the saga engine runs in its transition's transaction). What append queues in `afterCommit`
  // must be handed to committed() once that transaction committed.
  Result<Order> loadIn(pqxx::work& transaction, const std::string& orderId);
  static Result<Order> getIn(pqxx::work& transaction, const std::string& orderId);
  Result<Order> appendIn(pqxx::work& transaction, const Order& current, const OrderEvent& event,
                         const ChangeContext& context, AfterCommit& afterCommit);
  void committed(AfterCommit& afterCommit);

 private:

  db::ConnectionPool& pool_;
  int snapshotEvery_;
  OrderStoreHooks hooks_;
};

// The read-model columns, shared by queries here and the rebuild's comparison.
Order orderFromRow(const pqxx::row& row);
extern const char* const kOrderColumns;

}  // namespace fleetdeck::orders
