// ProductsCatalog against a scripted products service on loopback: how products' refusals of
// orders' own price lookup reach orders' caller.
#include "adapters/products_catalog.h"

#include <gtest/gtest.h>

#include <atomic>

#include <grpcpp/support/server_callback.h>

#include "fleetdeck/core/ids.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/rpc/server.h"

namespace fleetdeck::orders {
namespace {

// Answers every BatchGetProducts with `answer`, noting the deadline each call arrived with.
class ScriptedProducts final : public products::v1::ProductsService::CallbackService {
 public:
  grpc::Status answer = grpc::Status::OK;
  std::atomic<std::chrono::system_clock::time_point> lastDeadline{};
  grpc::ServerUnaryReactor* BatchGetProducts(grpc::CallbackServerContext* context,
                                             const products::v1::BatchGetProductsRequest*,
                                             products::v1::BatchGetProductsResponse*) override {
    lastDeadline = context->deadline();
    auto* reactor = context->DefaultReactor();
    reactor->Finish(answer);
    return reactor;
  }
};

// A refusal of orders' own call (its credentials, its request) is not the customer's: relayed as
// UNAUTHENTICATED or PERMISSION_DENIED it would read as the customer's token being refused (401/403,
// and the console signs out). It is an internal failure; an outage stays retryable.
TEST(ProductsCatalog, ProductsRefusingOrdersOwnCall_IsInternal_AnOutageStaysUnavailable) {
  ScriptedProducts products;
  rpc::RpcServer server(rpc::ServerOptions{});
  server.addService(&products);
  ASSERT_TRUE(server.start().isOk());
  ProductsCatalog catalog(rpc::makeChannel(server.address()), std::chrono::seconds(2));
  const std::vector<LineRequest> lines = {{newUuid(), 1}};
  for (const auto code : {grpc::StatusCode::UNAUTHENTICATED, grpc::StatusCode::PERMISSION_DENIED,
                          grpc::StatusCode::INVALID_ARGUMENT, grpc::StatusCode::NOT_FOUND}) {
    products.answer = grpc::Status(code, "refused");
    auto priced = catalog.priceLines(lines, {});
    ASSERT_FALSE(priced.isOk());
    EXPECT_EQ(priced.status().code(), StatusCode::kInternal) << static_cast<int>(code);
  }
  products.answer = grpc::Status(grpc::StatusCode::UNAVAILABLE, "restarting");
  auto outage = catalog.priceLines(lines, {});
  ASSERT_FALSE(outage.isOk());
  EXPECT_EQ(outage.status().code(), StatusCode::kUnavailable);
  server.shutdown(std::chrono::milliseconds(100));
}

// The lookup serves a caller with a deadline of its own (the gateway's, maybe a client's 500 ms): it
// ends by then, not at orders' own 3 s, and is not made at all once that deadline passed.
TEST(ProductsCatalog, TheLookupKeepsToTheDeadlineOfTheCallItServes) {
  ScriptedProducts products;
  rpc::RpcServer server(rpc::ServerOptions{});
  server.addService(&products);
  ASSERT_TRUE(server.start().isOk());
  ProductsCatalog catalog(rpc::makeChannel(server.address()), std::chrono::seconds(3));
  const std::vector<LineRequest> lines = {{newUuid(), 1}};
  ChangeContext caller;
  caller.deadline = std::chrono::system_clock::now() + std::chrono::milliseconds(500);
  (void)catalog.priceLines(lines, caller);
  // The server reads the deadline as its own receipt time plus grpc-timeout: a loaded machine's delay
  // rides on it. Orders' own timeout would be 2.5 s later.
  EXPECT_LE(products.lastDeadline.load(), *caller.deadline + std::chrono::seconds(1))
      << "products was given orders' own timeout instead of the caller's deadline";

  ChangeContext late;
  late.deadline = std::chrono::system_clock::now() - std::chrono::milliseconds(1);
  products.lastDeadline = std::chrono::system_clock::time_point{};
  auto gone = catalog.priceLines(lines, late);
  ASSERT_FALSE(gone.isOk());
  EXPECT_EQ(gone.status().code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(products.lastDeadline.load(), std::chrono::system_clock::time_point{}) << "no call once the caller has gone";
  server.shutdown(std::chrono::milliseconds(100));
}

}  // namespace
}  // namespace fleetdeck::orders
