// The gateway's upstream calls against a slow loopback gRPC service: a deadline the client chose
// (X-Request-Timeout) running out says nothing about the instance and leaves its breaker closed,
// while the gateway's own deadline running out counts against it.
#include "adapters/upstreams.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/products/v1/products.grpc.pb.h"
#include "fleetdeck/rpc/blocking_handler.h"
#include "fleetdeck/rpc/server.h"

namespace fleetdeck::gateway {
namespace {

using namespace std::chrono_literals;

// Answers GetProduct after `delay` (100 ms unless told).
// Its other methods are the sync API's UNIMPLEMENTED.
class SlowProducts final
    : public products::v1::ProductsService::WithAsyncMethod_GetProduct<products::v1::ProductsService::Service> {
 public:
  SlowProducts(WorkPool& pool, std::chrono::milliseconds delay) : pool_(pool), delay_(delay) {}
  std::atomic<int> started{0};  // calls that reached the handler
  void bindTo(rpc::RpcServer& server) {
    server.addAsyncService(*this, products::v1::ProductsService::service_full_name());
    server.addUnary(*this, &SlowProducts::RequestGetProduct, "GetProduct", this, &SlowProducts::answerGetProduct);
  }
  rpc::Handled answerGetProduct(rpc::ServerCall* call, const products::v1::GetProductRequest*,
                                products::v1::Product* response) {
    return rpc::runBlocking(call, pool_, [this, response] {
      ++started;
      std::this_thread::sleep_for(delay_);
      response->set_id("slow");
      return Status::ok();
    });
  }

 private:
  WorkPool& pool_;
  const std::chrono::milliseconds delay_;
};

// SlowProducts served over loopback for one test.
struct SlowProductsServer {
  explicit SlowProductsServer(std::chrono::milliseconds delay = 100ms) : service(pool, delay) {
    service.bindTo(server);
    EXPECT_TRUE(server.start().isOk());
  }
  WorkPool pool{4, 64, "slow"};
  SlowProducts service;
  rpc::RpcServer server{rpc::ServerOptions{}};
  ~SlowProductsServer() {
    server.shutdown(100ms);
    pool.shutdown();
  }
};

TEST(UpstreamBreaker, TheClientsOwnShortDeadline_DoesNotOpenTheBreaker_TheGatewaysDeadlineDoes) {
  SlowProductsServer products;

  UpstreamOptions options;
  options.breaker.failureThreshold = 3;
  options.breaker.openDuration = 30s;
  Upstreams upstreams({{"products", products.server.address()}}, options);
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
}

// A request whose deadline had already passed when a half-open breaker handed it the probe slot is
// never sent: the slot must be given back, or the recovered instance is refused until the breaker's
// open time runs out once more.
TEST(UpstreamBreaker, ARequestOutOfTimeBeforeItsProbe_GivesTheProbeSlotBack) {
  SlowProductsServer products;

  UpstreamOptions options;
  options.breaker.failureThreshold = 2;
  options.breaker.openDuration = 200ms;
  Upstreams upstreams({{"products", products.server.address()}}, options);
  const auto callWithin = [&](std::chrono::milliseconds budget) {
    std::promise<Status> answered;
    products::v1::GetProductRequest request;
    request.set_id("p");
    upstreams.call("products", "/fleetdeck.products.v1.ProductsService/GetProduct", request.SerializeAsString(), {},
                   resilience::Deadline::after(budget, resilience::Clock::now()), false,
                   [&answered](UpstreamReply reply) { answered.set_value(reply.status); });
    return answered.get_future().get();
  };
  for (int i = 0; i < 2; ++i) EXPECT_EQ(callWithin(20ms).code(), StatusCode::kDeadlineExceeded) << i;
  EXPECT_EQ(callWithin(2s).code(), StatusCode::kUnavailable) << "open";
  std::this_thread::sleep_for(300ms);  // half-open now

  EXPECT_EQ(callWithin(-1ms).code(), StatusCode::kDeadlineExceeded) << "out of time before it was sent";
  const Status probe = callWithin(2s);
  EXPECT_TRUE(probe.isOk()) << probe.toString();
}

// With one instance's breaker open and another healthy, no pick may come back empty, however many
// requests pick at once: each pick goes round every instance from its own turn.
TEST(UpstreamBreaker, ConcurrentPicks_AlwaysFindTheHealthyInstanceBesideAnOpenOne) {
  SlowProductsServer healthy(0ms);
  UpstreamOptions options;
  options.breaker.failureThreshold = 1;
  options.breaker.openDuration = 60s;
  // 127.0.0.1:1 refuses connections: its breaker opens at the first call that lands there.
  Upstreams upstreams({{"products", "127.0.0.1:1," + healthy.server.address()}}, options);
  const auto callOnce = [&] {
    std::promise<Status> answered;
    products::v1::GetProductRequest request;
    request.set_id("p");
    upstreams.call("products", "/fleetdeck.products.v1.ProductsService/GetProduct", request.SerializeAsString(), {},
                   // Long: with a threshold of 1, one healthy call that outlived its deadline on a
                   // loaded machine would open the healthy instance's breaker too.
                   resilience::Deadline::after(30s, resilience::Clock::now()), false,
                   [&answered](UpstreamReply reply) { answered.set_value(reply.status); });
    return answered.get_future().get();
  };
  const auto openInstances = [&] {
    int open = 0;
    for (const auto& state : upstreams.snapshot()) open += state.breaker == resilience::BreakerState::kOpen ? 1 : 0;
    return open;
  };
  for (int i = 0; i < 10 && openInstances() == 0; ++i) (void)callOnce();
  ASSERT_EQ(openInstances(), 1) << "the refusing instance's breaker should be open";

  std::atomic<int> refused{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 16; ++t) {
    clients.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        const Status status = callOnce();
        if (!status.isOk()) ++refused;
      }
    });
  }
  for (auto& client : clients) client.join();
  EXPECT_EQ(refused.load(), 0) << "requests refused while a healthy instance was up";
}
// At shutdown the REST gateway goes before the upstreams: once stop() returned, no callback of a call
// still in flight may run into it.
TEST(UpstreamBreaker, AfterStopNoCallbackOfACallInFlightRuns) {
  SlowProductsServer products(1000ms);  // far longer than any stall between its start and stop()
  Upstreams upstreams({{"products", products.server.address()}}, {});
  std::atomic<int> answered{0};
  products::v1::GetProductRequest request;
  request.set_id("p");
  upstreams.call("products", "/fleetdeck.products.v1.ProductsService/GetProduct", request.SerializeAsString(), {},
                 resilience::Deadline::after(2s, resilience::Clock::now()), true,
                 [&answered](UpstreamReply) { ++answered; });
  for (int i = 0; i < 500 && products.service.started.load() == 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(products.service.started.load(), 1) << "the call never reached the service";
  upstreams.stop();  // its answer is still on its way (the handler sleeps)
  std::this_thread::sleep_for(1200ms);
  EXPECT_EQ(answered.load(), 0);
  upstreams.stop();  // idempotent, as the destructor calls it again
}

// Answers GetProduct UNAVAILABLE, as a service does whose own dependency is down (when
// `dependencyDown`) or which cannot work itself.
class UnavailableProducts final
    : public products::v1::ProductsService::WithAsyncMethod_GetProduct<products::v1::ProductsService::Service> {
 public:
  UnavailableProducts(WorkPool& pool, bool dependencyDown) : pool_(pool), dependencyDown_(dependencyDown) {}
  void bindTo(rpc::RpcServer& server) {
    server.addAsyncService(*this, products::v1::ProductsService::service_full_name());
    server.addUnary(*this, &UnavailableProducts::RequestGetProduct, "GetProduct", this,
                    &UnavailableProducts::answerGetProduct);
  }
  rpc::Handled answerGetProduct(rpc::ServerCall* call, const products::v1::GetProductRequest*, products::v1::Product*) {
    return rpc::runBlocking(call, pool_, [this] {
      if (dependencyDown_) rpc::noteFailedDependency("catalog-db");
      return unavailable("cannot work right now");
    });
  }

 private:
  WorkPool& pool_;
  const bool dependencyDown_;
};

// An instance that answers UNAVAILABLE because a service it calls is down works: its breaker stays
// closed, so its other routes are not refused. One that fails itself is ejected as before.
TEST(UpstreamBreaker, AnInstanceWhoseDependencyIsDown_KeepsItsBreakerClosed) {
  for (const bool dependencyDown : {true, false}) {
    WorkPool pool{2, 16, "unavailable"};
    UnavailableProducts service(pool, dependencyDown);
    rpc::RpcServer server{rpc::ServerOptions{}};
    service.bindTo(server);
    ASSERT_TRUE(server.start().isOk());
    UpstreamOptions options;
    options.breaker.failureThreshold = 2;
    options.breaker.openDuration = 30s;
    Upstreams upstreams({{"products", server.address()}}, options);
    for (int i = 0; i < 4; ++i) {
      std::promise<Status> answered;
      products::v1::GetProductRequest request;
      request.set_id("p");
      upstreams.call("products", "/fleetdeck.products.v1.ProductsService/GetProduct", request.SerializeAsString(), {},
                     resilience::Deadline::after(2s, resilience::Clock::now()), false,
                     [&answered](UpstreamReply reply) { answered.set_value(reply.status); });
      EXPECT_EQ(answered.get_future().get().code(), StatusCode::kUnavailable);
    }
    const auto states = upstreams.snapshot();
    ASSERT_EQ(states.size(), 1u);
    EXPECT_EQ(states[0].breaker, dependencyDown ? resilience::BreakerState::kClosed : resilience::BreakerState::kOpen)
        << (dependencyDown ? "a dependency's outage" : "the instance's own failure");
    upstreams.stop();
    server.shutdown(100ms);
    pool.shutdown();
  }
}

}  // namespace
}  // namespace fleetdeck::gateway
