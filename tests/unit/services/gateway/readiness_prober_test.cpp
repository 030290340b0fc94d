// The fleet view's /readyz probes against real loopback HTTP servers: all at once, each answer with
// its own address, and hung instances costing one timeout together rather than one each.
#include "adapters/readiness_prober.h"

#include <gtest/gtest.h>

#include <mutex>

#include "fleetdeck/http/server.h"

namespace fleetdeck::gateway {
namespace {

using namespace std::chrono_literals;

// An admin port whose /readyz answers with `status` and a body naming the port, or never answers.
class AdminPort {
 public:
  AdminPort(int status, bool hang) {
    server_ = std::make_unique<http::HttpServer>(
        http::ServerOptions{.threads = 1},
        [this, status, hang](http::HttpRequest&, std::shared_ptr<http::Responder> responder) {
          if (hang) {
            std::lock_guard lock(mutex_);
            held_.push_back(std::move(responder));  // answered only when the test ends
            return;
          }
          const std::string overall = status == 200 ? "ready" : "not_ready";
          auto response = http::HttpResponse::json(
              status, R"({"status":")" + overall + R"(","checks":{"port_)" + std::to_string(server_->port()) +
                          R"(":{"status":"ok","latencyMs":1}}})");
          responder->send(std::move(response));
        });
    EXPECT_TRUE(server_->start().isOk());
  }
  ~AdminPort() {
    {
      std::lock_guard lock(mutex_);
      held_.clear();
    }
    server_->stop(0ms);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(server_->port()); }
  uint16_t port() const { return server_->port(); }

 private:
  std::unique_ptr<http::HttpServer> server_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<http::Responder>> held_;
};

TEST(ReadinessProber, AnswersComeBackInOrderWithTheirOwnAddresses) {
  AdminPort ready(200, false), notReady(503, false);
  ReadinessProber prober;
  const auto probes = prober.probe({ready.address(), "not-an-address", notReady.address()}, 2s);
  ASSERT_EQ(probes.size(), 3u);
  EXPECT_TRUE(probes[0].answered);
  EXPECT_EQ(probes[0].httpStatus, 200);
  EXPECT_EQ(probes[0].overall, "ready");
  EXPECT_EQ(probes[0].checks.count("port_" + std::to_string(ready.port())), 1u) << "another port's answer";
  EXPECT_FALSE(probes[1].answered);
  EXPECT_NE(probes[1].error.find("not host:port"), std::string::npos) << probes[1].error;
  EXPECT_TRUE(probes[2].answered);
  EXPECT_EQ(probes[2].httpStatus, 503);
  EXPECT_EQ(probes[2].overall, "not_ready");
  EXPECT_EQ(probes[2].checks.count("port_" + std::to_string(notReady.port())), 1u);
}

// Three hung instances: probed one after another they would hold the round for three timeouts.
TEST(ReadinessProber, HungInstancesCostOneTimeoutTogether) {
  AdminPort hungA(200, true), hungB(200, true), hungC(200, true), ready(200, false);
  ReadinessProber prober;
  // Long enough for the ready one to answer on a loaded machine (at 400 ms it sometimes did not).
  const auto timeout = 1500ms;
  const auto started = std::chrono::steady_clock::now();
  const auto probes = prober.probe({hungA.address(), hungB.address(), ready.address(), hungC.address()}, timeout);
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(probes.size(), 4u);
  for (size_t i : {0u, 1u, 3u}) {
    EXPECT_FALSE(probes[i].answered) << i;
    EXPECT_FALSE(probes[i].error.empty()) << i;
  }
  EXPECT_TRUE(probes[2].answered);
  EXPECT_EQ(probes[2].overall, "ready");
  // A bound on behaviour (probes in parallel), with a wide margin: sequential would be >= 4500 ms.
  EXPECT_LT(took, 2 * timeout) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms";
}

}  // namespace
}  // namespace fleetdeck::gateway
