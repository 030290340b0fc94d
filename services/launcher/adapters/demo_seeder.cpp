#include "adapters/demo_seeder.h"

#include <fstream>
#include <random>
#include <sstream>

#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/json.h"
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

Result<SeedSummary> DemoSeeder::seed(const std::function<void(const std::string&)>& progress) {
  SeedSummary summary;
  const fs::path credentialsFile = secretsDirectory_ / "credentials";
  if (fs::exists(credentialsFile)) {
    summary.alreadySeeded = true;
    return summary;
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
    const fs::path temporary = credentialsFile.string() + ".tmp";
    std::ofstream out(temporary);
    for (const auto& account : summary.accounts) out << account.role << ' ' << account.username << ' ' << account.password << '\n';
    out.close();
    fs::permissions(temporary, fs::perms::owner_read | fs::perms::owner_write);
    fs::rename(temporary, credentialsFile);
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
      ++summary.products;
    }
  }
  return summary;
}

}  // namespace fleetdeck::launcher
