// The OpenAPI document is generated from the same mappings that route, so it must describe them all.
#include "domain/openapi.h"

#include <gtest/gtest.h>

#include "adapters/rest_gateway.h"
#include "domain/api_catalogue.h"
#include "fleetdeck/core/json.h"

namespace fleetdeck::gateway {
namespace {

TEST(OpenApi, DescribesEveryMappedMethodWithItsRolesAndSchemas) {
  auto mappings = collectRestMappings(publicApiFiles());
  ASSERT_TRUE(mappings.isOk());
  const std::string text = buildOpenApi(*mappings, RestGateway::ownRoutes(), {.maxPageSize = 200});
  auto parsed = json::parse(text);
  ASSERT_TRUE(parsed && parsed->is_object());
  const auto& document = parsed->as_object();
  EXPECT_EQ(document.at("openapi").as_string(), "3.1.0");
  const auto& paths = document.at("paths").as_object();
  for (const auto& mapping : *mappings) {
    std::string method = mapping.httpMethod;
    for (char& c : method) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    ASSERT_TRUE(paths.contains(mapping.pathTemplate)) << mapping.pathTemplate;
    EXPECT_TRUE(paths.at(mapping.pathTemplate).as_object().contains(method)) << method << " " << mapping.pathTemplate;
  }
  const auto& login = paths.at("/api/v1/auth/login").as_object().at("post").as_object();
  EXPECT_FALSE(login.contains("security")) << "anyone may log in";
  const auto& listUsers = paths.at("/api/v1/users").as_object().at("get").as_object();
  EXPECT_TRUE(listUsers.contains("security"));
  EXPECT_EQ(listUsers.at("x-fleetdeck-roles").as_array().at(0).as_string(), "operator");
  EXPECT_NE(boost::json::serialize(listUsers.at("parameters")).find("clamped to 200"), std::string::npos);
  // int64 fields follow the proto3 JSON mapping: strings.
  const auto& money = document.at("components").as_object().at("schemas").as_object().at("common.v1.Money").as_object();
  EXPECT_EQ(money.at("properties").as_object().at("units").as_object().at("type").as_string(), "string");
  EXPECT_TRUE(paths.contains("/api/v1/admin/stream"));
  EXPECT_TRUE(paths.contains("/api/v1/orders/{id}/details"));
}

TEST(OpenApi, TheDocumentIsStableFromRunToRun) {
  auto mappings = collectRestMappings(publicApiFiles());
  ASSERT_TRUE(mappings.isOk());
  EXPECT_EQ(buildOpenApi(*mappings, RestGateway::ownRoutes(), {}), buildOpenApi(*mappings, RestGateway::ownRoutes(), {}));
}

}  // namespace
}  // namespace fleetdeck::gateway
