// The gateway's upstream calls against a slow loopback gRPC service: a deadline the client chose
// (X-Request-Timeout) running out says nothing about the instance and leaves its breaker closed,
// while the gateway's own deadline running out counts against it.
#include "adapters/upstreams.h"

#include <gtest/gtest.h>

#include <future>

#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/products/v1/products.grpc.pb.h"
#include "fleetdeck/rpc/blocking_handler.h"
#include "fleetdeck/rpc/server.h"

namespace fleetdeck::gateway {
namespace {

using namespace std::chrono_literals;

// Answers GetProduct after 100 ms.
class SlowProducts final : public products::v1::ProductsService::CallbackService {
 public:
  explicit SlowProducts(WorkPool& pool) : pool_(pool) {}
  grpc::ServerUnaryReactor* GetProduct(grpc::CallbackServerContext* context, const products::v1::GetProductRequest*,
                                       products::v1::Product* response) override {
    return rpc::runBlocking(context, pool_, [response] {
      std::this_thread::sleep_for(100ms);
      response->set_id("slow");
      return Status::ok();
    });
  }

 private:
  WorkPool& pool_;
};

TEST(UpstreamBreaker, TheClientsOwnShortDeadline_DoesNotOpenTheBreaker_TheGatewaysDeadlineDoes) {
  WorkPool pool(4, 64, "slow");
  SlowProducts service(pool);
  rpc::RpcServer server(rpc::ServerOptions{});
  server.addService(&service);
  ASSERT_TRUE(server.start().isOk());

  UpstreamOptions options;
  options.breaker.failureThreshold = 3;
  options.breaker.openDuration = 30s;
  Upstreams upstreams({{"products", server.address()}}, options);
  const auto callOnce = [&](bool clientDeadline) {
    std::promise<Status> answered;
    products::v1::GetProductRequest request;
    request.set_id("p");
    upstreams.call("products", "/fleetdeck.products.v1.ProductsService/GetProduct", request.SerializeAsString(), {},
                   resilience::Deadline::after(20ms, resilience::Clock::now()), false,
                   [&answered](UpstreamReply reply) { answered.set_value(reply.status); }, clientDeadline);
    return answered.get_future().get();
  };
  const auto breaker = [&] {
    const auto states = upstreams.snapshot();
    return states.empty() ? resilience::BreakerState::kOpen : states.front().breaker;
  };

  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(callOnce(true).code(), StatusCode::kDeadlineExceeded) << i;
  }
  EXPECT_EQ(breaker(), resilience::BreakerState::kClosed) << "the client's own deadline is not the instance's fault";

  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(callOnce(false).code(), StatusCode::kDeadlineExceeded) << i;
  }
  EXPECT_EQ(breaker(), resilience::BreakerState::kOpen) << "an instance slower than the gateway's own deadline is";
  server.shutdown(100ms);
  pool.shutdown();
}

}  // namespace
}  // namespace fleetdeck::gateway
