#include "adapters/demo_seeder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <mutex>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "fleetdeck/core/atomic_file.h"
#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/orders/v1/orders.grpc.pb.h"
#include "fleetdeck/payments/v1/payments.grpc.pb.h"
#include "fleetdeck/products/v1/products.grpc.pb.h"
#include "fleetdeck/rpc/client.h"
#include "fleetdeck/rpc/status_conversion.h"
#include "fleetdeck/users/v1/users.grpc.pb.h"

namespace fleetdeck::launcher {
namespace {

namespace fs = std::filesystem;
constexpr auto kCallTimeout = std::chrono::seconds(10);

Result<boost::json::object> readJson(const fs::path& file) {
  std::ifstream in(file);
  if (!in) return failedPrecondition("demo data file " + file.string() + " is missing");
  std::stringstream content;
  content << in.rdbuf();
  std::string error;
  auto parsed = json::parse(content.str(), &error);
  if (!parsed || !parsed->is_object()) return invalidArgument(file.string() + ": " + error);
  return parsed->as_object();
}

std::string address(const FleetPlan& plan, const std::string& name) {
  for (const auto& service : plan.services) {
    if (service.name == name && service.grpcPort != 0) return "127.0.0.1:" + std::to_string(service.grpcPort);
  }
  return {};
}

std::unique_ptr<grpc::ClientContext> seedContext() {
  auto context = rpc::makeContext(kCallTimeout);
  context->AddMetadata("fleetdeck-actor", "system:seed");
  return context;
}

// 18 random bytes: 24 characters, well above the password policy.
std::string generatePassword() { return base64UrlEncode(randomBytes(18)); }

}  // namespace

Result<std::vector<DemoAccount>> DemoSeeder::readCredentials(const fs::path& secretsDirectory) {
  std::ifstream in(secretsDirectory / "credentials");
  if (!in) return notFound("no demo credentials yet: run ./fleetdeck seed (or ./fleetdeck up)");
  std::vector<DemoAccount> accounts;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    DemoAccount account;
    if (words >> account.role >> account.username >> account.password) accounts.push_back(account);
  }
  return accounts;
}

namespace {

// An exclusive lock on <secrets>/seed.lock, released when the object goes (or the process dies).
class SeedLock {
 public:
  explicit SeedLock(const fs::path& secretsDirectory) {
    std::error_code error;
    fs::create_directories(secretsDirectory, error);
    fd_ = open((secretsDirectory / "seed.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ >= 0 && flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      close(fd_);
      fd_ = -1;
    }
  }
  ~SeedLock() {
    if (fd_ >= 0) close(fd_);
  }
  SeedLock(const SeedLock&) = delete;
  SeedLock& operator=(const SeedLock&) = delete;
  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

}  // namespace

bool DemoSeeder::seedingInProgress(const fs::path& secretsDirectory) {
  if (!fs::exists(secretsDirectory / "seed.lock")) return false;
  return !SeedLock(secretsDirectory).held();
}

Result<SeedSummary> DemoSeeder::seed(const std::function<void(const std::string&)>& progress) {
  // Before the half-way check: a seeding in progress leaves the same marker as one that stopped.
  const SeedLock lock(secretsDirectory_);
  if (!lock.held()) {
    return unavailable("the demo data is being loaded into " + secretsDirectory_.parent_path().string() +
                       " by another ./fleetdeck up or seed; wait for it to finish");
  }
  SeedSummary summary;
  const fs::path credentialsFile = secretsDirectory_ / "credentials";
  // Written before the first call and removed after the last: found at the start, it means an
  // earlier seeding stopped half-way (Ctrl+C, a service that failed). Going on would meet the users
  // and products it made; saying so beats a demo that silently lacks its catalog or its orders.
  const fs::path pendingMarker = secretsDirectory_ / "seed.pending";
  if (fs::exists(pendingMarker)) {
    return failedPrecondition("loading the demo data into " + secretsDirectory_.parent_path().string() +
                              " stopped half-way earlier, so its demo data is incomplete. To start over: "
                              "./fleetdeck down, delete (or move) that folder, then ./fleetdeck demo");
  }
  if (fs::exists(credentialsFile)) {
    summary.alreadySeeded = true;
    return summary;
  }
  {
    std::error_code error;
    fs::create_directories(secretsDirectory_, error);
    std::ofstream marker(pendingMarker);
    marker << "demo seeding started; removed when it finished\n";
    if (!marker) return internalError("cannot write " + pendingMarker.string());
  }
  auto catalog = readJson(demoDirectory_ / "catalog.json");
  if (!catalog) return catalog.status();
  auto people = readJson(demoDirectory_ / "people.json");
  if (!people) return people.status();

  auto users = users::v1::UsersService::NewStub(rpc::makeChannel(address(plan_, "users")));
  const auto createUser = [&](const std::string& username, const std::string& displayName, const std::string& role,
                              const std::string& password) -> Result<std::string> {
    users::v1::CreateUserRequest request;
    request.set_username(username);
    request.set_email(username + "@demo.fleetdeck.local");
    request.set_display_name(displayName);
    request.set_role(role);
    request.set_password(password);
    users::v1::User created;
    auto context = seedContext();
    const Status status = rpc::fromGrpcStatus(users->CreateUser(context.get(), request, &created));
    if (!status.isOk()) return Status(status.code(), "creating user " + username + ": " + status.message());
    return created.id();
  };

  // 1. The accounts people sign in with; their passwords are stored once, here.
  progress("creating the demo accounts");
  std::vector<std::string> customerIds;
  const std::vector<std::tuple<std::string, std::string, std::string>> named = {
      {"admin", "admin", "Fleet Admin"}, {"operator", "operator", "Fleet Operator"},
      {"customer", "alice", "Alice Demo"}, {"customer", "bob", "Bob Demo"}};
  for (const auto& [role, username, displayName] : named) {
    const std::string password = generatePassword();
    auto id = createUser(username, displayName, role, password);
    if (!id) return id.status();
    summary.accounts.push_back({role, username, password});
    if (role == "customer") customerIds.push_back(*id);
  }
  {
    std::string lines;
    for (const auto& account : summary.accounts)
      lines += account.role + ' ' + account.username + ' ' + account.password + '\n';
    FLEETDECK_RETURN_IF_ERROR(writeFileAtomically(credentialsFile, lines, 0600));
  }

  // 2. Customers, deterministic names, random passwords nobody needs.
  const auto& firstNames = people->at("firstNames").as_array();
  const auto& lastNames = people->at("lastNames").as_array();
  const int64_t customers = people->at("customers").as_int64();
  std::mt19937 random(42);
  progress("creating " + std::to_string(customers) + " customers");
  for (int64_t i = 0; i < customers; ++i) {
    const std::string first(firstNames[random() % firstNames.size()].as_string());
    const std::string last(lastNames[random() % lastNames.size()].as_string());
    std::string username = first + "." + last + std::to_string(i);
    std::transform(username.begin(), username.end(), username.begin(), [](unsigned char c) { return std::tolower(c); });
    auto id = createUser(username, first + " " + last, "customer", generatePassword());
    if (!id) return id.status();
    customerIds.push_back(*id);
    ++summary.customers;
  }

  // 3. Wallets, when payments runs.
  if (const std::string paymentsAddress = address(plan_, "payments"); !paymentsAddress.empty()) {
    progress("opening " + std::to_string(customerIds.size()) + " wallets");
    auto payments = payments::v1::PaymentsService::NewStub(rpc::makeChannel(paymentsAddress));
    for (const auto& id : customerIds) {
      payments::v1::OpenWalletRequest request;
      request.set_user_id(id);
      payments::v1::Wallet wallet;
      auto context = seedContext();
      const Status status = rpc::fromGrpcStatus(payments->OpenWallet(context.get(), request, &wallet));
      if (!status.isOk()) return Status(status.code(), "opening a wallet: " + status.message());
      ++summary.wallets;
    }
  }

  // 4. The catalog, when products runs.
  std::vector<std::string> productIds;
  std::vector<std::string> wellStocked;  // most demo orders pick these, so most are confirmed
  if (const std::string productsAddress = address(plan_, "products"); !productsAddress.empty()) {
    const auto& items = catalog->at("products").as_array();
    progress("creating " + std::to_string(items.size()) + " products");
    auto products = products::v1::ProductsService::NewStub(rpc::makeChannel(productsAddress));
    for (const auto& item : items) {
      const auto& object = item.as_object();
      products::v1::CreateProductRequest request;
      request.set_sku(json::stringOr(object, "sku"));
      request.set_name(json::stringOr(object, "name"));
      request.set_description(json::stringOr(object, "description"));
      const auto& price = object.at("price").as_object();
      request.mutable_price()->set_currency_code(json::stringOr(price, "currencyCode"));
      request.mutable_price()->set_units(std::stoll(json::stringOr(price, "units", "0")));
      request.set_initial_stock(object.at("initialStock").as_int64());
      products::v1::Product created;
      auto context = seedContext();
      const Status status = rpc::fromGrpcStatus(products->CreateProduct(context.get(), request, &created));
      if (!status.isOk() && status.code() != StatusCode::kAlreadyExists) {
        return Status(status.code(), "creating product " + request.sku() + ": " + status.message());
      }
      if (status.isOk()) {
        productIds.push_back(created.id());
        if (request.initial_stock() >= 50) wellStocked.push_back(created.id());
      }
      ++summary.products;
    }
  }

  // 5. Order history, placed through the real saga (so stock and wallets stay consistent), then
  // moved along: some shipped, some of those delivered, some cancelled (refunded).
  const std::string ordersAddress = address(plan_, "orders");
  if (!ordersAddress.empty() && !productIds.empty() && !customerIds.empty()) {
    const auto& perCustomer = people->at("ordersPerCustomer").as_object();
    const int64_t least = perCustomer.at("min").as_int64();
    const int64_t most = perCustomer.at("max").as_int64();
    std::vector<std::pair<std::string, std::string>> plannedOrders;  // customer, idempotency key
    for (size_t c = 0; c < customerIds.size(); ++c) {
      const int64_t count = least + static_cast<int64_t>(random() % static_cast<uint64_t>(most - least + 1));
      for (int64_t i = 0; i < count; ++i) plannedOrders.emplace_back(customerIds[c], "seed-" + std::to_string(c) + "-" + std::to_string(i));
    }
    progress("placing " + std::to_string(plannedOrders.size()) + " orders through the saga");
    auto orders = orders::v1::OrdersService::NewStub(rpc::makeChannel(ordersAddress));
    std::vector<std::string> orderIds(plannedOrders.size());
    std::atomic<size_t> next{0};
    std::mutex failureMutex;
    Status failure;
    std::vector<std::thread> placers;
    for (int t = 0; t < 8; ++t) {
      placers.emplace_back([&, t] {
        std::mt19937 local(1000 + t);
        for (size_t i = next++; i < plannedOrders.size(); i = next++) {
          orders::v1::CreateOrderRequest request;
          request.set_user_id(plannedOrders[i].first);
          request.set_idempotency_key(plannedOrders[i].second);
          const size_t lines = 1 + local() % 2;
          for (size_t l = 0; l < lines; ++l) {
            auto* line = request.add_items();
            // One line in twenty may hit a scarce product: the demo shows some out-of-stock cancellations.
            const auto& pool = (local() % 20 == 0 || wellStocked.empty()) ? productIds : wellStocked;
            line->set_product_id(pool[local() % pool.size()]);
            line->set_quantity(1 + static_cast<int64_t>(local() % 2));
          }
          // Lines naming one product twice are merged by picking distinct ones.
          std::set<std::string> seen;
          auto* items = request.mutable_items();
          for (int l = items->size() - 1; l >= 0; --l) {
            if (!seen.insert(items->Get(l).product_id()).second) items->DeleteSubrange(l, 1);
          }
          orders::v1::Order order;
          auto context = seedContext();
          const Status status = rpc::fromGrpcStatus(orders->CreateOrder(context.get(), request, &order));
          if (!status.isOk()) {
            std::lock_guard lock(failureMutex);
            failure = Status(status.code(), "placing a demo order: " + status.message());
            return;
          }
          orderIds[i] = order.id();
        }
      });
    }
    for (auto& placer : placers) placer.join();
    if (!failure.isOk()) return failure;

    progress("waiting for the sagas, then shipping, delivering and cancelling some");
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(3);
    for (const auto& id : orderIds) {
      orders::v1::GetOrderRequest get;
      get.set_id(id);
      orders::v1::Order order;
      while (std::chrono::steady_clock::now() < deadline) {
        auto context = seedContext();
        if (orders->GetOrder(context.get(), get, &order).ok() && order.status() != "PENDING") break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      if (order.status() == "CONFIRMED") {
        const uint32_t fate = random() % 10;
        if (fate < 6) {
          orders::v1::ShipOrderRequest ship;
          ship.set_id(id);
          ship.set_tracking_number("TRK" + randomHex(5));
          auto context = seedContext();
          if (orders->ShipOrder(context.get(), ship, &order).ok() && fate < 3) {
            orders::v1::DeliverOrderRequest deliver;
            deliver.set_id(id);
            auto deliverContext = seedContext();
            (void)orders->DeliverOrder(deliverContext.get(), deliver, &order);
          }
        } else if (fate == 9) {
          orders::v1::CancelOrderRequest cancel;
          cancel.set_id(id);
          cancel.set_reason("customer_request");
          auto context = seedContext();
          (void)orders->CancelOrder(context.get(), cancel, &order);
        }
      }
      ++summary.ordersByStatus[order.status()];
      ++summary.orders;
    }
  }
  std::error_code error;
  fs::remove(pendingMarker, error);
  return summary;
}

}  // namespace fleetdeck::launcher
