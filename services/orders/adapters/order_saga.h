// The order sagas: placing an order (reserve stock -> charge payment -> commit stock -> confirm)
// and unwinding a confirmed one that is cancelled (refund -> return stock). Steps call products
// and payments with the saga id as the idempotency key, so a repeated step has one effect.
#pragma once

#include <grpcpp/channel.h>

#include <memory>
#include <optional>

#include "adapters/pg_order_store.h"
#include "domain/order_book.h"
#include "fleetdeck/payments/v1/payments.grpc.pb.h"
#include "fleetdeck/products/v1/products.grpc.pb.h"
#include "fleetdeck/saga/saga_engine.h"

namespace fleetdeck::orders {

inline constexpr const char* kPlacementSaga = "order-placement";
inline constexpr const char* kRefundSaga = "order-refund";

// What products reserved the stock at: the sum of the lines' quantity times unit price, in their
// one currency. nullopt when the lines mix currencies or the sum overflows: then no total can match
// the order's, and the charge step cancels it as price_changed.
std::optional<Money> reservedTotalOf(const products::v1::Reservation& reservation);

class OrderSagas {
 public:
  OrderSagas(OrderBook& book, PgOrderStore& store, std::shared_ptr<grpc::Channel> products,
             std::shared_ptr<grpc::Channel> payments);

  saga::SagaDefinition placement(std::chrono::milliseconds callTimeout, std::chrono::milliseconds stepDeadline) const;
  saga::SagaDefinition refund(std::chrono::milliseconds callTimeout) const;

  // The data a saga starts with.
  static boost::json::object placementData(const Order& order);
  static boost::json::object refundData(const Order& order);

 private:
  Status reserveStock(saga::SagaContext& context) const;
  Status releaseStock(saga::SagaContext& context) const;
  Status chargePayment(saga::SagaContext& context) const;
  Status refundPayment(saga::SagaContext& context) const;
  Status commitStock(saga::SagaContext& context) const;
  // Confirms the order in the saga engine's transaction (a local step: the confirmation and the
  // step's success commit together).
  Status confirmOrder(pqxx::work& transaction, saga::SagaContext& context) const;
  Status cancelOrder(saga::SagaContext& context) const;
  // A customer may cancel a PENDING order while its saga runs: the next forward step notices (the
  // guard of reserve and charge, read in the transaction that records the step's start).
  Status stopIfCancelled(pqxx::work& transaction, saga::SagaContext& context) const;

  OrderBook& book_;
  PgOrderStore& store_;
  std::unique_ptr<products::v1::ProductsService::Stub> products_;
  std::unique_ptr<payments::v1::PaymentsService::Stub> payments_;
};

}  // namespace fleetdeck::orders
