// What metrics and tracing cost a gRPC service: calls/s of the same callback service with the
// telemetry interceptors on (server and client, spans batched and exported as OTLP/HTTP JSON to a
// loopback sink) and off, in alternating rounds of the same run on the same machine. Two services:
//   - users.GetUser as the users service really serves it (runBlocking on a WorkPool, PostgreSQL
//     from the test infra): the cost a service pays;
//   - a handler that does nothing (runBlocking, no I/O): the worst case, where the instrumentation
//     is compared with gRPC alone.
// Bounded in time and count; prints calls/s, CPU per call and the ratios (goal: cost <= 10 %).
// Never asserts speed.
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <ctime>
#include <cstdio>
#include <functional>
#include <mutex>
#include <vector>

#include "adapters/argon2_password_hasher.h"
#include "adapters/pg_user_repository.h"
#include "adapters/users_grpc_service.h"
#include "domain/user_accounts.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/db/connection_pool.h"
#include "fleetdeck/db/migration_runner.h"
#include "fleetdeck/core/work_pool.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/http/server.h"
#include "fleetdeck/rpc/blocking_handler.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/rpc/server.h"
#include "fleetdeck/telemetry/otlp_exporter.h"
#include "fleetdeck/telemetry/tracing.h"
#include "fleetdeck/testing/test_infra.h"
#include "fleetdeck/users/v1/users.grpc.pb.h"
#include "users_migrations.h"

using namespace fleetdeck;
namespace v1 = fleetdeck::users::v1;

namespace {

// Many short rounds, the three modes side by side in each (in rotating order), and the median of
// the per-round ratios: on a shared machine the load drifts, and neighbours see the same load.
constexpr int kRounds = 12;  // per service: 12 x 3 modes x 0.5 s, about 20 s with warm-up
constexpr auto kRoundLength = std::chrono::milliseconds(500);
constexpr int kInFlight = 32;
constexpr uint64_t kMaxCallsPerRound = 2'000'000;

class BenchUsers final : public v1::UsersService::CallbackService {
 public:
  explicit BenchUsers(WorkPool& pool) : pool_(pool) {}
  grpc::ServerUnaryReactor* GetUser(grpc::CallbackServerContext* context, const v1::GetUserRequest* request,
                                    v1::User* response) override {
    return rpc::runBlocking(context, pool_, [request, response] {
      response->set_id(request->id());
      response->set_username("bench");
      return Status::ok();
    });
  }

 private:
  WorkPool& pool_;
};

// Keeps kInFlight calls outstanding until the round's deadline; returns completed calls and failures.
struct RoundResult {
  uint64_t calls = 0;
  uint64_t failures = 0;
  double seconds = 0;
  double cpuSeconds = 0;  // of the whole process: client, server, exporter and sink alike
};

double processCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) / 1e9;
}

// `drain` runs inside the measured time, after the last call (the exporter's flush).
RoundResult runRound(v1::UsersService::Stub& stub, const std::string& userId, const std::function<void()>& drain = {}) {
  struct State {
    std::mutex mutex;
    std::condition_variable idle;
    int inFlight = 0;
    std::atomic<uint64_t> calls{0};
    std::atomic<uint64_t> failures{0};
    std::chrono::steady_clock::time_point deadline;
  } state;
  state.deadline = std::chrono::steady_clock::now() + kRoundLength;

  struct Call {
    grpc::ClientContext context;
    v1::GetUserRequest request;
    v1::User response;
  };
  std::function<void()> start = [&] {
    auto call = std::make_shared<Call>();
    call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    call->request.set_id(userId);
    stub.async()->GetUser(&call->context, &call->request, &call->response, [&, call](grpc::Status status) {
      const uint64_t done = ++state.calls;
      if (!status.ok()) ++state.failures;
      if (std::chrono::steady_clock::now() < state.deadline && done < kMaxCallsPerRound) {
        start();
        return;
      }
      std::lock_guard lock(state.mutex);
      if (--state.inFlight == 0) state.idle.notify_all();
    });
  };
  const auto began = std::chrono::steady_clock::now();
  const double cpuBegan = processCpuSeconds();
  {
    std::lock_guard lock(state.mutex);
    state.inFlight = kInFlight;
  }
  for (int i = 0; i < kInFlight; ++i) start();
  std::unique_lock lock(state.mutex);
  state.idle.wait(lock, [&] { return state.inFlight == 0; });
  lock.unlock();
  if (drain) drain();
  RoundResult result;
  result.calls = state.calls.load();
  result.failures = state.failures.load();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
  result.cpuSeconds = processCpuSeconds() - cpuBegan;
  return result;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}


struct Comparison {
  double onRatio = 0;
  double metricsRatio = 0;
  double cpu[3] = {};
  double rate[3] = {};
  uint64_t failures = 0;
};

// Alternates the three modes on `instrumented` / `plain` servers hosting the same service.
Comparison compare(const char* title, grpc::Service& instrumentedService, grpc::Service& plainService,
                   const std::string& userId, const std::shared_ptr<telemetry::BatchSpanExporter>& exporter) {
  rpc::RpcServer instrumented(rpc::ServerOptions{});
  rpc::RpcServer plain(rpc::ServerOptions{.instrument = false});
  instrumented.addService(&instrumentedService);
  plain.addService(&plainService);
  Comparison comparison;
  if (!instrumented.start().isOk() || !plain.start().isOk()) {
    std::fprintf(stderr, "cannot start the gRPC servers\n");
    comparison.failures = 1;
    return comparison;
  }
  auto instrumentedStub = v1::UsersService::NewStub(rpc::makeChannel(instrumented.address()));
  auto plainStub =
      v1::UsersService::NewStub(rpc::makeChannel(plain.address(), rpc::ChannelOptions{.instrument = false}));

  // Warm-up: connections, allocator, caches.
  telemetry::setSpanProcessor(exporter);
  runRound(*instrumentedStub, userId);
  telemetry::setSpanProcessor(nullptr);
  runRound(*plainStub, userId);

  // Three modes per round: everything on; interceptors (metrics, ids) without span export; nothing.
  // The middle one tells how the cost splits between metrics and tracing.
  enum Mode { kOn, kMetricsOnly, kOff };
  std::vector<double> rates[3];
  std::vector<double> cpuPerCall[3];
  std::vector<double> onRatios;
  std::vector<double> metricsRatios;
  std::printf("\n%s\nround  calls/s: metrics+tracing  metrics only    plain   CPU us/call: (same order)\n", title);
  for (int round = 0; round < kRounds; ++round) {
    double rate[3] = {};
    for (int step = 0; step < 3; ++step) {
      const int mode = (round + step) % 3;
      telemetry::setSpanProcessor(mode == kOn ? exporter : nullptr);
      // The export work of this round is paid in this round: the flush is inside the measurement.
      const RoundResult result =
          mode == kOn ? runRound(*instrumentedStub, userId, [&] { exporter->flush(std::chrono::seconds(5)); })
                      : runRound(mode == kOff ? *plainStub : *instrumentedStub, userId);
      comparison.failures += result.failures;
      rate[mode] = static_cast<double>(result.calls) / result.seconds;
      rates[mode].push_back(rate[mode]);
      cpuPerCall[mode].push_back(result.cpuSeconds * 1e6 / static_cast<double>(std::max<uint64_t>(result.calls, 1)));
    }
    telemetry::setSpanProcessor(nullptr);
    onRatios.push_back(rate[kOn] / rate[kOff]);
    metricsRatios.push_back(rate[kMetricsOnly] / rate[kOff]);
    std::printf("%5d  %24.0f  %12.0f  %7.0f     %7.1f %7.1f %7.1f\n", round + 1, rate[kOn], rate[kMetricsOnly],
                rate[kOff], cpuPerCall[kOn].back(), cpuPerCall[kMetricsOnly].back(), cpuPerCall[kOff].back());
  }
  plain.shutdown(std::chrono::milliseconds(500));
  instrumented.shutdown(std::chrono::milliseconds(500));
  for (int mode = 0; mode < 3; ++mode) {
    comparison.rate[mode] = median(rates[mode]);
    comparison.cpu[mode] = median(cpuPerCall[mode]);
  }
  comparison.onRatio = median(onRatios);
  comparison.metricsRatio = median(metricsRatios);
  std::printf("median calls/s: metrics + tracing %.0f, metrics only %.0f, plain %.0f\n", comparison.rate[kOn],
              comparison.rate[kMetricsOnly], comparison.rate[kOff]);
  std::printf("median CPU per call (whole process, us): metrics + tracing %.1f, metrics only %.1f, plain %.1f\n",
              comparison.cpu[kOn], comparison.cpu[kMetricsOnly], comparison.cpu[kOff]);
  std::printf("median per-round ratio to plain: metrics only %.3f, metrics + tracing %.3f => cost %.1f %%\n",
              comparison.metricsRatio, comparison.onRatio, (1.0 - comparison.onRatio) * 100.0);
  return comparison;
}

}  // namespace

int main() {
  log::configure({"bench", "", log::Level::kWarn, ""});
  telemetry::setResource({"bench", "0", "bench-1"});

  // The collector stand-in answers at once, so mostly the exporting side is measured.
  std::atomic<uint64_t> exportRequests{0};
  http::HttpServer sink(http::ServerOptions{.bodyLimitBytes = 16 << 20},
                        [&exportRequests](http::HttpRequest&, std::shared_ptr<http::Responder> responder) {
                          ++exportRequests;
                          responder->send(http::HttpResponse::json(200, "{}"));
                        });
  if (!sink.start().isOk()) {
    std::fprintf(stderr, "cannot start the OTLP sink\n");
    return 1;
  }
  auto exportClient = std::make_shared<http::HttpClient>("127.0.0.1", sink.port());
  auto exporter = std::make_shared<telemetry::BatchSpanExporter>(
      [exportClient](const std::string& body) -> Status {
        http::Headers headers;
        headers.add("Content-Type", "application/json");
        auto response = exportClient->request("POST", "/v1/traces", body, headers);
        if (!response) return response.status();
        return response->status == 200 ? Status::ok() : unavailable("sink answered " + std::to_string(response->status));
      },
      telemetry::OtlpExporterOptions{});

  // The users service as its main() composes it, on a fresh database of the test infra.
  db::ConnectionPool database(
      db::PoolOptions{.connectionString = testing::createTestDatabase("bench_telemetry"), .maxSize = 8, .name = "users"});
  if (auto applied = db::applyMigrations(database, users::embeddedMigrations()); !applied) {
    std::fprintf(stderr, "migrations: %s\n", applied.status().toString().c_str());
    return 1;
  }
  users::PgUserRepository repository(database);
  users::Argon2PasswordHasher hasher;
  users::UserAccounts accounts(repository, hasher);
  auto created = accounts.create({"bench", "bench@example.com", randomHex(12), "Bench", ""});
  if (!created) {
    std::fprintf(stderr, "create user: %s\n", created.status().toString().c_str());
    return 1;
  }
  WorkPool workers(8, 4096, "users");
  users::UsersGrpcService instrumentedUsers(accounts, workers);
  users::UsersGrpcService plainUsers(accounts, workers);
  const Comparison real = compare("users.GetUser (PostgreSQL)", instrumentedUsers, plainUsers, created->id, exporter);

  WorkPool pool(2, 4096, "bench");
  // A gRPC service object belongs to one server, hence two.
  BenchUsers instrumentedNoop(pool);
  BenchUsers plainNoop(pool);
  const Comparison noop = compare("a handler that does nothing (worst case)", instrumentedNoop, plainNoop, "u-1", exporter);

  exporter->shutdown(std::chrono::seconds(5));
  const auto stats = exporter->stats();
  workers.shutdown();
  pool.shutdown();
  sink.stop(std::chrono::milliseconds(500));

  std::printf("\nspans exported %llu in %llu requests, dropped %llu (queue full) %llu (export failed); call failures %llu\n",
              static_cast<unsigned long long>(stats.exported), static_cast<unsigned long long>(exportRequests.load()),
              static_cast<unsigned long long>(stats.droppedQueueFull),
              static_cast<unsigned long long>(stats.droppedExportFailed),
              static_cast<unsigned long long>(real.failures + noop.failures));
  std::printf("instrumentation cost (metrics + tracing, share of calls/s): users.GetUser %.1f %%, empty handler %.1f %% "
              "(goal: <= 10 %%)\n",
              (1.0 - real.onRatio) * 100.0, (1.0 - noop.onRatio) * 100.0);
  std::printf("added CPU per call: users.GetUser %.1f us, empty handler %.1f us\n", real.cpu[0] - real.cpu[2],
              noop.cpu[0] - noop.cpu[2]);
  return real.failures + noop.failures == 0 && stats.exported > 0 ? 0 : 1;
}
