// Order saga throughput and latency on the real processes (orders, products, payments on the test
// infra's PostgreSQL and NATS), beside the floors measured on the same machine in the same run:
//   - pgbench's default TPC-B-like script on the same PostgreSQL;
//   - one synchronous JetStream publish (waits for the PubAck) and one single-row PostgreSQL commit.
// After an unmeasured warm-up (prepared statements planned on every pooled connection, caches filled),
// phase 1 places one order at a time (latency without queueing); phase 2 has many concurrent clients,
// each placing an order and waiting for its saga to finish before the next (closed loop). A share of
// the orders is priced above the wallet's credit, so payment is declined and the saga compensates.
// Saga latency is created_at -> finished_at of the saga row (both PostgreSQL's now(), i.e. the start
// of the creating and of the finishing transaction). Commits per saga come from pg_stat_database's
// xact_commit on the three services' databases, net of the idle background (pollers) measured before
// and of this benchmark's own queries.
// Phase 2 also reports CPU time and context switches per saga of each process (from /proc): four
// runs on this shared 2-core machine spread over 7.0-7.6 ms of CPU per saga, 167-172 switches.
// Prints figures and their ratios to the goals; asserts nothing about time. Bounded: each
// phase has an order count and a time limit. Exits non-zero only when a saga ends wrongly or never.
#include <libpq-fe.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <condition_variable>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "adapters/child_process.h"
#include "adapters/postgres_cluster.h"
#include "fleetdeck/bus/connection.h"
#include "fleetdeck/bus/event.h"
#include "fleetdeck/bus/stream_tail.h"
#include "fleetdeck/bus/streams.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/http/client.h"
#include "fleetdeck/orders/v1/orders.grpc.pb.h"
#include "fleetdeck/orders/v1/sagas.pb.h"
#include "fleetdeck/payments/v1/payments.grpc.pb.h"
#include "fleetdeck/products/v1/products.grpc.pb.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/testing/service_process.h"
#include "fleetdeck/testing/test_infra.h"

using namespace fleetdeck;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

namespace {

constexpr auto kCall = 10s;
// Far above a new wallet's demo credit (payments.demo_credit_units), so the charge is declined.
constexpr int64_t kDeclinedPrice = 90'000'000;

[[noreturn]] void die(const std::string& message) {
  std::cerr << "saga bench: " << message << "\n";
  std::exit(1);
}

double seconds(Clock::time_point since) { return std::chrono::duration<double>(Clock::now() - since).count(); }

std::string databaseName(const std::string& url) { return url.substr(url.rfind('/') + 1); }

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = std::min(values.size() - 1, static_cast<size_t>(p * static_cast<double>(values.size())));
  return values[index];
}

// A libpq connection for the benchmark's own queries, counting them (each is one commit).
class Sql {
 public:
  explicit Sql(const std::string& url) : connection_(PQconnectdb(url.c_str())) {
    if (PQstatus(connection_) != CONNECTION_OK) die("cannot connect to " + url + ": " + PQerrorMessage(connection_));
  }
  ~Sql() { PQfinish(connection_); }
  Sql(const Sql&) = delete;
  Sql& operator=(const Sql&) = delete;

  // Runs one statement in autocommit; the rows as text.
  std::vector<std::vector<std::string>> query(const std::string& sql, const std::vector<std::string>& parameters = {}) {
    std::vector<const char*> values;
    for (const auto& parameter : parameters) values.push_back(parameter.c_str());
    PGresult* result = PQexecParams(connection_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                                    nullptr, nullptr, 0);
    ++statements_;
    const auto status = PQresultStatus(result);
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      const std::string error = PQresultErrorMessage(result);
      PQclear(result);
      die(sql + ": " + error);
    }
    std::vector<std::vector<std::string>> rows;
    for (int row = 0; row < PQntuples(result); ++row) {
      std::vector<std::string> fields;
      for (int column = 0; column < PQnfields(result); ++column) fields.emplace_back(PQgetvalue(result, row, column));
      rows.push_back(std::move(fields));
    }
    PQclear(result);
    return rows;
  }
  int64_t statements() const { return statements_; }

 private:
  PGconn* connection_;
  int64_t statements_ = 0;
};

struct Fleet {
  std::filesystem::path logs;
  std::string productsDatabase, paymentsDatabase, ordersDatabase;
  uint16_t productsPort = 0, paymentsPort = 0, ordersPort = 0;
  std::unique_ptr<testing::ServiceProcess> products, payments, orders;
};

std::string address(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

// The three processes with their shipped configuration (log level aside), as the local fleet runs them.
void startFleet(Fleet& fleet) {
  const auto& infra = testing::sharedInfra();
  fleet.logs = infra.root / "bench-logs" / ("saga-" + std::to_string(getpid()));
  fleet.productsDatabase = testing::createTestDatabase("bench_saga_products");
  fleet.paymentsDatabase = testing::createTestDatabase("bench_saga_payments");
  fleet.ordersDatabase = testing::createTestDatabase("bench_saga_orders");
  fleet.productsPort = testing::freePort();
  fleet.paymentsPort = testing::freePort();
  fleet.ordersPort = testing::freePort();
  const std::string source = FLEETDECK_SOURCE_DIR;
  auto common = [&](const std::string& name, const std::string& database, uint16_t port) {
    return std::map<std::string, std::string>{{"FLEETDECK_CONFIG", source + "/services/" + name + "/config/" + name + ".toml"},
                                              {"FLEETDECK_DATABASE__URL", database},
                                              {"FLEETDECK_GRPC__PORT", std::to_string(port)},
                                              {"FLEETDECK_ADMIN__PORT", std::to_string(testing::freePort())},
                                              {"FLEETDECK_LOG__LEVEL", "warn"}};
  };
  auto productsEnvironment = common("products", fleet.productsDatabase, fleet.productsPort);
  auto paymentsEnvironment = common("payments", fleet.paymentsDatabase, fleet.paymentsPort);
  paymentsEnvironment["FLEETDECK_NATS__URL"] = testing::natsUrl();
  auto ordersEnvironment = common("orders", fleet.ordersDatabase, fleet.ordersPort);
  ordersEnvironment["FLEETDECK_NATS__URL"] = testing::natsUrl();
  ordersEnvironment["FLEETDECK_UPSTREAMS__PRODUCTS"] = address(fleet.productsPort);
  ordersEnvironment["FLEETDECK_UPSTREAMS__PAYMENTS"] = address(fleet.paymentsPort);
  fleet.products = std::make_unique<testing::ServiceProcess>("products", FLEETDECK_PRODUCTS_BINARY,
                                                              productsEnvironment, fleet.logs);
  fleet.payments = std::make_unique<testing::ServiceProcess>("payments", FLEETDECK_PAYMENTS_BINARY,
                                                              paymentsEnvironment, fleet.logs);
  fleet.orders = std::make_unique<testing::ServiceProcess>("orders", FLEETDECK_ORDERS_BINARY, ordersEnvironment,
                                                            fleet.logs);
  for (auto* process : {fleet.products.get(), fleet.payments.get(), fleet.orders.get()}) {
    if (Status started = process->start(30s); !started.isOk()) die(started.toString());
  }
}

struct Catalog {
  std::vector<std::string> products;  // cheap, plenty of stock
  std::string declinedProduct;        // priced above any wallet
  std::vector<std::string> users;     // each with an open wallet
};

Catalog seed(const Fleet& fleet, int productCount, int userCount) {
  auto productsStub = products::v1::ProductsService::NewStub(rpc::makeChannel(address(fleet.productsPort)));
  auto paymentsStub = payments::v1::PaymentsService::NewStub(rpc::makeChannel(address(fleet.paymentsPort)));
  auto create = [&](int64_t price) {
    products::v1::CreateProductRequest request;
    request.set_sku("BENCH-" + randomHex(5));
    request.set_name("Saga bench product");
    request.mutable_price()->set_currency_code("USD");
    request.mutable_price()->set_units(price);
    request.set_initial_stock(10'000'000);
    products::v1::Product product;
    auto context = rpc::makeContext(kCall);
    const grpc::Status status = productsStub->CreateProduct(context.get(), request, &product);
    if (!status.ok()) die("CreateProduct: " + status.error_message());
    return product.id();
  };
  Catalog catalog;
  for (int i = 0; i < productCount; ++i) catalog.products.push_back(create(1));
  catalog.declinedProduct = create(kDeclinedPrice);
  for (int i = 0; i < userCount; ++i) {
    payments::v1::OpenWalletRequest request;
    request.set_user_id(newUuid());
    payments::v1::Wallet wallet;
    auto context = rpc::makeContext(kCall);
    const grpc::Status status = paymentsStub->OpenWallet(context.get(), request, &wallet);
    if (!status.ok()) die("OpenWallet: " + status.error_message());
    catalog.users.push_back(request.user_id());
  }
  return catalog;
}

// Tells waiting clients when their saga has finished: one thread polls the orders database for the
// outstanding saga ids (a primary-key lookup every few milliseconds), instead of every client polling.
// Learns of finished sagas from the orders stream (SagaStepsChanged with a final saga state), as a
// real observer would: polling PostgreSQL every few milliseconds for 32 outstanding sagas was ~5 % of
// the database's work during phase 2, load the benchmark put on the system it measures. A slow poll
// stays as a safety net for an event the tail missed (its queries are counted and taken out of the
// commit count like before).
class SagaWatcher {
 public:
  SagaWatcher(const std::string& ordersUrl, bus::Bus& bus)
      : sql_(ordersUrl),
        tail_(bus,
              bus::StreamTailOptions{.stream = bus::domainStream("orders"),
                                     .filterSubject = "fleetdeck.orders.v1.SagaStepsChanged"},
              [this](const bus::ReceivedMessage& message) { onEvent(message); }),
        thread_([this] { run(); }) {
    tail_.start();
  }
  ~SagaWatcher() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    thread_.join();
    tail_.stop();
  }

  bool subscribed() const { return tail_.subscribed(); }

  // Blocks until the saga is COMPLETED, COMPENSATED or FAILED; its final state, or "" on timeout.
  std::string waitFinished(const std::string& sagaId, std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    outstanding_.insert(sagaId);
    changed_.notify_all();
    const bool done = finished_.wait_for(lock, timeout, [&] { return states_.count(sagaId) > 0 || stopping_; });
    outstanding_.erase(sagaId);
    if (!done || states_.count(sagaId) == 0) return "";
    std::string state = states_[sagaId];
    states_.erase(sagaId);
    return state;
  }

  int64_t queries() {
    std::lock_guard lock(mutex_);
    return queries_;
  }

 private:
  static bool isFinal(const std::string& state) {
    return state == "COMPLETED" || state == "COMPENSATED" || state == "FAILED";
  }

  void onEvent(const bus::ReceivedMessage& message) {
    auto envelope = bus::decodeEnvelope(message);
    if (!envelope || !bus::holds<orders::v1::SagaStepsChanged>(*envelope)) return;
    orders::v1::SagaStepsChanged changed;
    if (!bus::unpackPayload(*envelope, changed).isOk() || changed.changes().empty()) return;
    const auto& last = *changed.changes().rbegin();
    if (!isFinal(last.saga_state())) return;
    std::lock_guard lock(mutex_);
    // Sagas placed but not yet waited for are remembered too (the event can beat waitFinished()).
    states_[last.saga_id()] = last.saga_state();
    finished_.notify_all();
  }

  void run() {
    std::unique_lock lock(mutex_);
    while (!stopping_) {
      changed_.wait_for(lock, 250ms, [&] { return stopping_; });
      if (stopping_ || outstanding_.empty()) continue;
      std::string ids = "{";
      for (const auto& id : outstanding_) ids += (ids.size() > 1 ? "," : "") + id;
      ids += "}";
      lock.unlock();
      auto rows = sql_.query(
          "SELECT id::text, state FROM saga_instances WHERE id = ANY($1::uuid[])"
          " AND state IN ('COMPLETED', 'COMPENSATED', 'FAILED')",
          {ids});
      lock.lock();
      ++queries_;
      for (auto& row : rows) states_[row[0]] = row[1];
      if (!rows.empty()) finished_.notify_all();
    }
  }

  Sql sql_;
  bus::StreamTail tail_;
  std::mutex mutex_;
  std::condition_variable changed_, finished_;
  std::set<std::string> outstanding_;
  std::map<std::string, std::string> states_;
  int64_t queries_ = 0;
  bool stopping_ = false;
  std::thread thread_;
};

struct Placed {
  std::string sagaId;
  bool declined = false;
  std::string finalState;  // "" when it did not finish in time
};

struct PhaseResult {
  std::vector<Placed> orders;
  double wallSeconds = 0;
};

// `clients` threads; each places an order, waits for its saga, and repeats, until `maxOrders` in
// total or `duration` has passed. Every `declineEvery`-th order of a client is declined.
PhaseResult runPhase(const Fleet& fleet, const Catalog& catalog, SagaWatcher& watcher, int clients, int maxOrders,
                     std::chrono::seconds duration, int declineEvery) {
  auto stub = orders::v1::OrdersService::NewStub(
      rpc::makeChannel(address(fleet.ordersPort), rpc::ChannelOptions{.instrument = false}));
  std::atomic<int> budget{maxOrders};
  std::mutex mutex;
  PhaseResult result;
  const auto started = Clock::now();
  const auto deadline = started + duration;
  std::vector<std::thread> threads;
  for (int client = 0; client < clients; ++client) {
    threads.emplace_back([&, client] {
      for (int n = 0; Clock::now() < deadline && budget.fetch_sub(1) > 0; ++n) {
        Placed placed;
        placed.declined = declineEvery > 0 && (n + client) % declineEvery == 0;
        orders::v1::CreateOrderRequest request;
        request.set_user_id(catalog.users[(client * 7919 + n) % catalog.users.size()]);
        request.set_idempotency_key("bench-" + randomHex(8));
        auto* line = request.add_items();
        line->set_product_id(placed.declined ? catalog.declinedProduct
                                             : catalog.products[(client + n) % catalog.products.size()]);
        line->set_quantity(1);
        orders::v1::Order order;
        auto context = rpc::makeContext(kCall);
        const grpc::Status status = stub->CreateOrder(context.get(), request, &order);
        if (!status.ok()) die("CreateOrder: " + status.error_message());
        placed.sagaId = order.saga_id();
        placed.finalState = watcher.waitFinished(placed.sagaId, 30s);
        std::lock_guard lock(mutex);
        result.orders.push_back(std::move(placed));
      }
    });
  }
  for (auto& thread : threads) thread.join();
  result.wallSeconds = seconds(started);
  return result;
}

struct Latencies {
  std::vector<double> forward, compensated, all;
  int wrong = 0, unfinished = 0;
  double dbSpanSeconds = 0;  // first created_at to last finished_at
};

Latencies latencies(Sql& sql, const PhaseResult& phase) {
  Latencies result;
  std::string ids = "{";
  std::map<std::string, bool> declined;
  for (const auto& placed : phase.orders) {
    ids += (ids.size() > 1 ? "," : "") + placed.sagaId;
    declined[placed.sagaId] = placed.declined;
  }
  ids += "}";
  auto rows = sql.query(
      "SELECT id::text, state, extract(epoch FROM finished_at - created_at) * 1000,"
      " extract(epoch FROM max(finished_at) OVER () - min(created_at) OVER ())"
      " FROM saga_instances WHERE id = ANY($1::uuid[])",
      {ids});
  for (const auto& row : rows) {
    const std::string& state = row[1];
    if (state != "COMPLETED" && state != "COMPENSATED") {
      ++result.unfinished;
      continue;
    }
    const bool expectedCompensation = declined[row[0]];
    if ((state == "COMPENSATED") != expectedCompensation) ++result.wrong;
    const double ms = std::stod(row[2]);
    (state == "COMPENSATED" ? result.compensated : result.forward).push_back(ms);
    result.all.push_back(ms);
    result.dbSpanSeconds = std::stod(row[3]);
  }
  result.unfinished += static_cast<int>(phase.orders.size() - rows.size());
  return result;
}

// Where phase 1's time goes: median duration of each step (started_at -> finished_at, as persisted
// by the saga engine) per phase; the rest of a saga's latency is claiming and persisting between steps.
void printSteps(Sql& sql, const PhaseResult& phase) {
  std::string ids = "{";
  for (const auto& placed : phase.orders) ids += (ids.size() > 1 ? "," : "") + placed.sagaId;
  ids += "}";
  auto rows = sql.query(
      "SELECT phase, step_index, step_name, count(*),"
      " percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM finished_at - started_at) * 1000)"
      " FROM saga_steps WHERE saga_id = ANY($1::uuid[]) AND finished_at IS NOT NULL"
      " GROUP BY phase, step_index, step_name ORDER BY phase DESC, step_index",
      {ids});
  std::printf("  steps (median started -> finished):");
  for (const auto& row : rows) {
    std::printf(" %s%s %.1f ms (%s);", row[0] == "compensation" ? "undo " : "", row[2].c_str(), std::stod(row[4]),
                row[3].c_str());
  }
  std::printf("\n");
}

// gRPC handling time per side and method ("server ReserveStock") as a process's /metrics reports it:
// sum of seconds and count of calls, to split a step into the call as the caller saw it and the
// callee's own handling (the rest is the wire, and the caller's and callee's gRPC threads).
using RpcTotals = std::map<std::string, std::pair<double, double>>;

RpcTotals rpcHandling(const testing::ServiceProcess& process) {
  RpcTotals totals;
  http::HttpClient client("127.0.0.1", process.adminPort());
  auto response = client.get("/metrics");
  if (!response || response->status != 200) die("scrape /metrics: " + (response ? std::to_string(response->status) : response.status().toString()));
  std::istringstream lines(response->body);
  for (std::string line; std::getline(lines, line);) {
    for (const std::string side : {"server", "client"}) {
      const std::string prefix = "grpc_" + side + "_handling_seconds_";
      if (!line.starts_with(prefix)) continue;
      const bool isSum = line.compare(prefix.size(), 4, "sum{") == 0;
      const bool isCount = line.compare(prefix.size(), 6, "count{") == 0;
      const size_t method = line.find("grpc_method=\"");
      if ((!isSum && !isCount) || method == std::string::npos) continue;
      const size_t nameStart = method + 13;
      const std::string name = line.substr(nameStart, line.find('"', nameStart) - nameStart);
      const double value = std::stod(line.substr(line.rfind(' ') + 1));
      auto& entry = totals[side + " " + name];
      (isSum ? entry.first : entry.second) += value;
    }
  }
  return totals;
}

// Mean milliseconds per call between two scrapes, for the calls made in between.
void printRpcMeans(const std::string& label, const RpcTotals& before, const RpcTotals& after) {
  std::printf("    %s:", label.c_str());
  for (const auto& [key, totals] : after) {
    const auto earlier = before.find(key);
    const double sum = totals.first - (earlier != before.end() ? earlier->second.first : 0);
    const double count = totals.second - (earlier != before.end() ? earlier->second.second : 0);
    if (count > 0) std::printf(" %s %.2f ms (%.0f);", key.c_str(), sum / count * 1000, count);
  }
  std::printf("\n");
}

// xact_commit of the given databases, read from the `postgres` database (so the read is not counted).
std::map<std::string, int64_t> commits(Sql& admin, const std::vector<std::string>& databases) {
  std::string names = "{";
  for (const auto& name : databases) names += (names.size() > 1 ? "," : "") + name;
  names += "}";
  std::map<std::string, int64_t> result;
  for (const auto& row : admin.query("SELECT datname, xact_commit FROM pg_stat_database WHERE datname = ANY($1)", {names})) {
    result[row[0]] = std::stoll(row[1]);
  }
  return result;
}

int64_t total(const std::map<std::string, int64_t>& counts) {
  int64_t sum = 0;
  for (const auto& [name, count] : counts) sum += count;
  return sum;
}

// A service's process_cpu_seconds_total from its admin port's /metrics.
double serviceCpuSeconds(const testing::ServiceProcess& process) {
  http::HttpClient client("127.0.0.1", process.adminPort());
  auto response = client.get("/metrics");
  if (!response || response->status != 200) die("scrape /metrics for CPU time");
  const std::string name = "\nprocess_cpu_seconds_total ";
  const size_t at = response->body.find(name);
  if (at == std::string::npos) die("no process_cpu_seconds_total in /metrics");
  return std::stod(response->body.substr(at + name.size()));
}

// One process's line of /proc/<pid>/stat: its parent and its user + system CPU ticks.
struct ProcStat {
  long parent = 0;
  double cpuTicks = 0;
};

std::optional<ProcStat> readProcStat(const std::filesystem::path& processDirectory) {
  std::ifstream file(processDirectory / "stat");
  std::string stat;
  if (!std::getline(file, stat)) return std::nullopt;  // exited meanwhile
  // "pid (comm) state ppid ...": fields after the comm's closing parenthesis; utime, stime are 14, 15.
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));
  std::string state;
  ProcStat result;
  fields >> state >> result.parent;
  std::string skip;
  for (int field = 5; field < 14; ++field) fields >> skip;
  double user = 0, system = 0;
  fields >> user >> system;
  result.cpuTicks = user + system;
  return result;
}

// Calls visit(directory, stat) for every process `pick` selects by (pid, parent pid).
template <typename Pick, typename Visit>
void forEachProcess(Pick pick, Visit visit) {
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.empty() || !std::isdigit(static_cast<unsigned char>(name[0]))) continue;
    const auto stat = readProcStat(entry.path());
    if (stat && pick(std::stol(name), stat->parent)) visit(entry.path(), *stat);
  }
}

// User + system CPU seconds of the processes `pick` selects, from /proc.
template <typename Pick>
double procCpuSeconds(Pick pick) {
  double ticks = 0;
  forEachProcess(pick, [&](const std::filesystem::path&, const ProcStat& stat) { ticks += stat.cpuTicks; });
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Context switches (voluntary and forced) of every thread of the processes `pick` selects, so far.
// Counts, not times: they barely move with what else the host runs, so a change that wakes fewer
// threads per saga shows here when sagas/s and CPU per saga are lost in the noise.
template <typename Pick>
int64_t procContextSwitches(Pick pick) {
  int64_t switches = 0;
  forEachProcess(pick, [&](const std::filesystem::path& directory, const ProcStat&) {
    std::error_code error;
    for (const auto& task : std::filesystem::directory_iterator(directory / "task", error)) {
      std::ifstream status(task.path() / "status");
      std::string line;
      while (std::getline(status, line)) {
        if (line.starts_with("voluntary_ctxt_switches:") || line.starts_with("nonvoluntary_ctxt_switches:")) {
          switches += std::stoll(line.substr(line.find(':') + 1));
        }
      }
    }
  });
  return switches;
}

// CPU seconds of the test PostgreSQL (postmaster and its backends) and of nats-server, so far.
struct InfraCpu {
  double postgres = 0, nats = 0;
};

long postmasterPid(const testing::InfraInfo& infra) {
  std::ifstream pidFile(infra.postgresData / "postmaster.pid");
  long postmaster = 0;
  pidFile >> postmaster;
  return postmaster;
}

InfraCpu infraCpu(const testing::InfraInfo& infra) {
  const long postmaster = postmasterPid(infra);
  return {procCpuSeconds([&](long pid, long parent) { return pid == postmaster || parent == postmaster; }),
          procCpuSeconds([&](long pid, long) { return pid == infra.natsPid; })};
}

// Context switches so far of the three services, the test PostgreSQL and nats-server, in that order.
std::array<int64_t, 5> contextSwitches(const Fleet& fleet, const testing::InfraInfo& infra) {
  const long postmaster = postmasterPid(infra);
  const auto of = [](const testing::ServiceProcess& process) {
    const long servicePid = process.pid();
    return procContextSwitches([&](long pid, long) { return pid == servicePid; });
  };
  return {of(*fleet.orders), of(*fleet.products), of(*fleet.payments),
          procContextSwitches([&](long pid, long parent) { return pid == postmaster || parent == postmaster; }),
          procContextSwitches([&](long pid, long) { return pid == infra.natsPid; })};
}

// pgbench's built-in TPC-B-like script on a fresh database of the same PostgreSQL.
double pgbenchTps(const testing::InfraInfo& infra, int scale, int clients, std::chrono::seconds duration) {
  const std::string database = databaseName(testing::createTestDatabase("bench_saga_pgbench"));
  launcher::ProcessSpec spec;
  spec.executable = *launcher::PostgresCluster::binaryDirectory() / "pgbench";
  const std::vector<std::string> connection = {"-h", "127.0.0.1", "-p", std::to_string(infra.postgresPort), "-U",
                                               infra.postgresUser, database};
  spec.arguments = {"-i", "-q", "-s", std::to_string(scale)};
  spec.arguments.insert(spec.arguments.end(), connection.begin(), connection.end());
  std::string output;
  if (Status status = launcher::runCommand(spec, &output, 120s); !status.isOk()) die("pgbench -i: " + output);
  spec.arguments = {"-n", "-c", std::to_string(clients), "-j", "2", "-T", std::to_string(duration.count())};
  spec.arguments.insert(spec.arguments.end(), connection.begin(), connection.end());
  output.clear();
  if (Status status = launcher::runCommand(spec, &output, duration + 60s); !status.isOk()) die("pgbench: " + output);
  // "tps = 1234.5 (without initial connection time)"
  const size_t at = output.find("tps = ");
  return at == std::string::npos ? 0 : std::stod(output.substr(at + 6));
}

// Median of `rounds` single-row INSERTs, each its own transaction (autocommit), on one connection.
double commitMs(int rounds) {
  Sql sql(testing::createTestDatabase("bench_saga_commit"));
  sql.query("CREATE TABLE commit_probe (id bigserial PRIMARY KEY, payload text NOT NULL)");
  std::vector<double> samples;
  for (int i = 0; i < rounds; ++i) {
    const auto started = Clock::now();
    sql.query("INSERT INTO commit_probe (payload) VALUES ($1)", {"saga-step-" + std::to_string(i)});
    samples.push_back(seconds(started) * 1000);
  }
  return percentile(samples, 0.5);
}

// Median of `rounds` JetStream publishes, each waiting for its PubAck, on a file-stored stream.
double publishMs(int rounds) {
  auto bus = bus::Bus::connect({.url = testing::natsUrl(), .name = "saga-bench"});
  if (!bus) die("NATS: " + bus.status().toString());
  if (!testing::waitUntil([&] { return (*bus)->connected(); }, 10s)) die("NATS: not connected");
  if (Status declared = (*bus)->declareStream(bus::domainStream("benchfloor")); !declared.isOk()) {
    die("declare stream: " + declared.toString());
  }
  const std::string payload(200, 'x');  // about an event's size
  std::vector<double> samples;
  for (int i = 0; i < rounds; ++i) {
    const auto started = Clock::now();
    auto ack = (*bus)->publish({.subject = "fleetdeck.benchfloor.v1.Probe", .msgId = newUuid(), .headers = {},
                                .data = payload});
    if (!ack) die("publish: " + ack.status().toString());
    samples.push_back(seconds(started) * 1000);
  }
  return percentile(samples, 0.5);
}

void printLatencies(const char* phase, const Latencies& result) {
  std::printf("  %-28s p50 %7.1f ms  p99 %7.1f ms  (%zu sagas)\n", (std::string(phase) + " all").c_str(),
              percentile(result.all, 0.5), percentile(result.all, 0.99), result.all.size());
  std::printf("  %-28s p50 %7.1f ms  p99 %7.1f ms  (%zu sagas)\n", (std::string(phase) + " forward").c_str(),
              percentile(result.forward, 0.5), percentile(result.forward, 0.99), result.forward.size());
  std::printf("  %-28s p50 %7.1f ms  p99 %7.1f ms  (%zu sagas)\n", (std::string(phase) + " compensated").c_str(),
              percentile(result.compensated, 0.5), percentile(result.compensated, 0.99), result.compensated.size());
}

const char* verdict(bool met) { return met ? "met" : "NOT met"; }

}  // namespace

int main() {
  constexpr int kWarmUpClients = 8;  // the services' database pool size: every connection gets used
  constexpr int kWarmUpOrders = 240;
  constexpr auto kWarmUpTime = 10s;
  constexpr int kLatencyOrders = 120;
  constexpr auto kLatencyTime = 15s;
  constexpr int kClients = 32;
  constexpr int kThroughputOrders = 6000;
  constexpr auto kThroughputTime = 30s;
  constexpr int kPgbenchScale = 10;
  constexpr int kPgbenchClients = 8;
  constexpr auto kPgbenchTime = 10s;
  constexpr int kFloorRounds = 300;
  const auto benchStarted = Clock::now();

  const testing::InfraInfo& infra = testing::sharedInfra();
  Fleet fleet;
  startFleet(fleet);
  const Catalog catalog = seed(fleet, 32, 128);
  const std::string ordersUrl = fleet.ordersDatabase;
  Sql ordersSql(ordersUrl);
  std::string postgresUrl = ordersUrl.substr(0, ordersUrl.rfind('/') + 1) + "postgres";
  Sql admin(postgresUrl);
  const std::vector<std::string> databases = {databaseName(fleet.ordersDatabase), databaseName(fleet.productsDatabase),
                                              databaseName(fleet.paymentsDatabase)};
  auto watcherBus = bus::Bus::connect({.url = testing::natsUrl(), .name = "saga-bench-watcher"});
  if (!watcherBus) die("connecting to NATS: " + watcherBus.status().toString());
  SagaWatcher watcher(ordersUrl, **watcherBus);
  for (int i = 0; i < 100 && !watcher.subscribed(); ++i) std::this_thread::sleep_for(50ms);
  if (!watcher.subscribed()) die("the saga watcher could not subscribe to the orders stream");

  // 0. Warm-up, not measured: every pooled connection of the three services prepares its statements
  // and has PostgreSQL plan them (a prepared statement's first five executions are planned one by
  // one, custom plans costing up to ~0.3 ms each), and the caches fill. A process that has served a
  // few hundred calls is past this; phase 1 should not time it.
  const PhaseResult warmUp = runPhase(fleet, catalog, watcher, kWarmUpClients, kWarmUpOrders, kWarmUpTime, 4);

  // 1. One order at a time: the saga's own latency, nothing queued before it. Every 4th declined.
  const RpcTotals ordersRpcBefore = rpcHandling(*fleet.orders), productsRpcBefore = rpcHandling(*fleet.products),
                  paymentsRpcBefore = rpcHandling(*fleet.payments);
  const PhaseResult sequential = runPhase(fleet, catalog, watcher, 1, kLatencyOrders, kLatencyTime, 4);
  const RpcTotals ordersRpcAfter = rpcHandling(*fleet.orders), productsRpcAfter = rpcHandling(*fleet.products),
                  paymentsRpcAfter = rpcHandling(*fleet.payments);
  const Latencies sequentialLatency = latencies(ordersSql, sequential);

  // The fleet's idle background (saga and outbox pollers, readiness) in commits per second, so it
  // can be taken out of the count below. Waits first for the statistics of phase 1 to be flushed.
  std::this_thread::sleep_for(2s);
  const auto idleBefore = commits(admin, databases);
  const auto idleStarted = Clock::now();
  std::this_thread::sleep_for(4s);
  const auto idleAfter = commits(admin, databases);
  const double idleRate = static_cast<double>(total(idleAfter) - total(idleBefore)) / seconds(idleStarted);

  // 2. Many concurrent clients, closed loop; every 5th order declined.
  const auto before = commits(admin, databases);
  const int64_t watcherQueriesBefore = watcher.queries();
  const auto countStarted = Clock::now();
  const double ordersCpuBefore = serviceCpuSeconds(*fleet.orders), productsCpuBefore = serviceCpuSeconds(*fleet.products),
               paymentsCpuBefore = serviceCpuSeconds(*fleet.payments);
  const InfraCpu infraCpuBefore = infraCpu(infra);
  const auto switchesBefore = contextSwitches(fleet, infra);
  const PhaseResult concurrent = runPhase(fleet, catalog, watcher, kClients, kThroughputOrders, kThroughputTime, 5);
  const double ordersCpu = serviceCpuSeconds(*fleet.orders) - ordersCpuBefore,
               productsCpu = serviceCpuSeconds(*fleet.products) - productsCpuBefore,
               paymentsCpu = serviceCpuSeconds(*fleet.payments) - paymentsCpuBefore;
  const InfraCpu infraCpuAfter = infraCpu(infra);
  const auto switchesAfter = contextSwitches(fleet, infra);
  const int64_t watcherQueries = watcher.queries() - watcherQueriesBefore;
  // PostgreSQL backends flush their statistics at most once a second: wait for the last ones.
  std::this_thread::sleep_for(2500ms);
  const auto after = commits(admin, databases);
  const double countSeconds = seconds(countStarted);
  const Latencies concurrentLatency = latencies(ordersSql, concurrent);

  // 3. The floors, with the fleet idle.
  const double commit = commitMs(kFloorRounds);
  const double publish = publishMs(kFloorRounds);
  const double tps = pgbenchTps(infra, kPgbenchScale, kPgbenchClients, kPgbenchTime);

  // Figures.
  const double sagasPerSecond =
      concurrentLatency.dbSpanSeconds > 0 ? static_cast<double>(concurrentLatency.all.size()) / concurrentLatency.dbSpanSeconds : 0;
  const int64_t rawCommits = total(after) - total(before);
  const double netCommits = static_cast<double>(rawCommits) - idleRate * countSeconds - static_cast<double>(watcherQueries);
  const double commitsPerSaga = concurrentLatency.all.empty() ? 0 : netCommits / static_cast<double>(concurrentLatency.all.size());
  const double throughputFloor = commitsPerSaga > 0 ? 0.5 * tps / commitsPerSaga : 0;
  const double latencyFloor = 3 * (publish + commit);
  const double p50 = percentile(sequentialLatency.all, 0.5);
  const double p99 = percentile(sequentialLatency.all, 0.99);
  const double forwardP50 = percentile(sequentialLatency.forward, 0.5);
  const double compensatedP50 = percentile(sequentialLatency.compensated, 0.5);
  const double loadedP50 = percentile(concurrentLatency.all, 0.5);
  const double loadedP99 = percentile(concurrentLatency.all, 0.99);
  const double loadedForwardP50 = percentile(concurrentLatency.forward, 0.5);
  const double loadedCompensatedP50 = percentile(concurrentLatency.compensated, 0.5);

  std::printf("Order saga benchmark (orders, products, payments as processes; PostgreSQL and NATS of the test infra;\n"
              "the test PostgreSQL runs with fsync=off, synchronous_commit=off; figures are noisy when other\n"
              "processes use the 2 cores)\n\n");
  std::printf("Floors on the same machine, same run:\n");
  std::printf("  pgbench TPC-B-like (-s %d -c %d -j 2 -T %lld)   %8.0f TPS\n", kPgbenchScale, kPgbenchClients,
              static_cast<long long>(kPgbenchTime.count()), tps);
  std::printf("  single-row commit (median of %d)         %8.3f ms\n", kFloorRounds, commit);
  std::printf("  JetStream sync publish (median of %d)    %8.3f ms\n", kFloorRounds, publish);
  std::printf("  3 x (publish + commit)                      %8.3f ms\n\n", latencyFloor);

  std::printf("Warm-up (not measured): %zu orders from %d clients (%.1f s)\n\n", warmUp.orders.size(), kWarmUpClients,
              warmUp.wallSeconds);
  std::printf("Phase 1: one client, one order at a time, every 4th declined (%.1f s):\n", sequential.wallSeconds);
  printLatencies("sequential", sequentialLatency);
  printSteps(ordersSql, sequential);
  std::printf("  gRPC calls in phase 1, mean per call (server: the callee's handling; client: as the caller saw it):\n");
  printRpcMeans("orders", ordersRpcBefore, ordersRpcAfter);
  printRpcMeans("products", productsRpcBefore, productsRpcAfter);
  printRpcMeans("payments", paymentsRpcBefore, paymentsRpcAfter);
  std::printf("Phase 2: %d concurrent clients, closed loop, every 5th declined (%.1f s):\n", kClients,
              concurrent.wallSeconds);
  printLatencies("concurrent", concurrentLatency);
  std::printf("  throughput %.1f sagas/s (%zu sagas, first created to last finished %.2f s)\n", sagasPerSecond,
              concurrentLatency.all.size(), concurrentLatency.dbSpanSeconds);
  std::printf("  commits (xact_commit, read-only transactions included): raw %lld", static_cast<long long>(rawCommits));
  const char* labels[] = {"orders", "products", "payments"};
  for (size_t i = 0; i < databases.size(); ++i) {
    std::printf(", %s %lld", labels[i], static_cast<long long>(after.at(databases[i]) - before.at(databases[i])));
  }
  std::printf("\n    minus idle background %.1f/s x %.1f s and %lld watcher polls = %.0f, i.e. %.2f per saga\n",
              idleRate, countSeconds, static_cast<long long>(watcherQueries), netCommits, commitsPerSaga);
  // CPU per saga is steadier than sagas/s when something else shares the cores: compare these.
  const double sagaCount = std::max<double>(1, static_cast<double>(concurrent.orders.size()));
  const double postgresCpu = infraCpuAfter.postgres - infraCpuBefore.postgres;
  const double natsCpu = infraCpuAfter.nats - infraCpuBefore.nats;
  const double cpuPerSaga = (ordersCpu + productsCpu + paymentsCpu + postgresCpu + natsCpu) / sagaCount;
  std::printf("  CPU per saga: orders %.0f us, products %.0f us, payments %.0f us, PostgreSQL %.0f us, NATS %.0f us;"
              " total %.0f us (2 cores: at most %.0f sagas/s)\n",
              ordersCpu / sagaCount * 1e6, productsCpu / sagaCount * 1e6, paymentsCpu / sagaCount * 1e6,
              postgresCpu / sagaCount * 1e6, natsCpu / sagaCount * 1e6, cpuPerSaga * 1e6, 2 / cpuPerSaga);
  std::printf("  context switches per saga:");
  const char* processes[] = {"orders", "products", "payments", "PostgreSQL", "NATS"};
  double switchesPerSaga = 0;
  for (size_t i = 0; i < switchesBefore.size(); ++i) {
    const double perSaga = static_cast<double>(switchesAfter[i] - switchesBefore[i]) / sagaCount;
    switchesPerSaga += perSaga;
    std::printf(" %s %.1f,", processes[i], perSaga);
  }
  std::printf(" total %.1f (counts, steadier than times: compare changes by these too)\n\n", switchesPerSaga);

  std::printf("Goals (issue 4):\n");
  std::printf("  throughput >= 500 sagas/s                        %8.1f   ratio %.2f  %s\n", sagasPerSecond,
              sagasPerSecond / 500, verdict(sagasPerSecond >= 500));
  std::printf("  throughput >= 0.5 x TPS / commits per saga (%.1f) %8.1f   ratio %.2f  %s\n", throughputFloor,
              sagasPerSecond, throughputFloor > 0 ? sagasPerSecond / throughputFloor : 0,
              verdict(sagasPerSecond >= throughputFloor));
  std::printf("  p50 <= 3 x 3 x (publish + commit) = %.2f ms      %8.2f ms ratio %.2f  %s  (phase 1)\n",
              3 * latencyFloor, p50, p50 / (3 * latencyFloor), verdict(p50 <= 3 * latencyFloor));
  std::printf("  p99 <= 5 x p50                                   %8.2f ms ratio %.2f  %s  (phase 1)\n", p99,
              p50 > 0 ? p99 / (5 * p50) : 0, verdict(p99 <= 5 * p50));
  std::printf("  compensation p50 <= 1.5 x forward p50            %8.2f ms ratio %.2f  %s  (phase 1; forward %.2f ms)\n",
              compensatedP50, forwardP50 > 0 ? compensatedP50 / (1.5 * forwardP50) : 0,
              verdict(compensatedP50 <= 1.5 * forwardP50), forwardP50);
  std::printf("  under load (phase 2): p50 %.1f ms (%.2f x goal), p99/p50 %.2f, compensation/forward p50 %.2f\n",
              loadedP50, loadedP50 / (3 * latencyFloor), loadedP50 > 0 ? loadedP99 / loadedP50 : 0,
              loadedForwardP50 > 0 ? loadedCompensatedP50 / loadedForwardP50 : 0);
  std::printf("\nbench took %.1f s\n", seconds(benchStarted));

  const int wrong = sequentialLatency.wrong + concurrentLatency.wrong;
  const int unfinished = sequentialLatency.unfinished + concurrentLatency.unfinished;
  if (wrong > 0 || unfinished > 0) {
    std::printf("INCORRECT: %d sagas ended in the wrong state, %d did not finish\n%s\n", wrong, unfinished,
                fleet.orders->logTail(3000).c_str());
    return 1;
  }
  return 0;
}
