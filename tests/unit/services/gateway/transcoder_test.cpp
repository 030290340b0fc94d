#include "domain/transcoder.h"

#include <google/protobuf/descriptor.h>
#include <gtest/gtest.h>

#include "domain/api_catalogue.h"
#include "domain/rest_mapping.h"
#include "fleetdeck/users/v1/users.pb.h"

namespace fleetdeck::gateway {
namespace {

const RestMapping& mappingFor(const std::string& method) {
  static const std::vector<RestMapping> mappings = [] {
    auto collected = collectRestMappings(publicApiFiles());
    EXPECT_TRUE(collected.isOk()) << collected.status().toString();
    return *collected;
  }();
  for (const auto& mapping : mappings) {
    if (mapping.method->name() == method) return mapping;
  }
  throw std::runtime_error("no mapping for " + method);
}

http::HttpRequest request(std::string method, std::string body = {}, std::string query = {}) {
  http::HttpRequest result;
  result.method = std::move(method);
  result.body = std::move(body);
  result.query = std::move(query);
  return result;
}

TEST(RestMappings, ComeFromTheProtoOptions) {
  const RestMapping& create = mappingFor("CreateUser");
  EXPECT_EQ(create.httpMethod, "POST");
  EXPECT_EQ(create.pathTemplate, "/api/v1/users");
  EXPECT_EQ(create.successStatus, 201);
  EXPECT_EQ(create.upstream, "users");
  EXPECT_EQ(create.grpcPath, "/fleetdeck.users.v1.UsersService/CreateUser");
  EXPECT_EQ(mappingFor("UpdateUser").ifMatchField, "expected_version");
  EXPECT_EQ(mappingFor("ResetPassword").pathTemplate, "/api/v1/users/{id}:resetPassword");
}

TEST(Transcoder, BodyStarFillsTheRequestAcceptingBothNameStyles) {
  Transcoder transcoder;
  auto message = transcoder.buildRequest(
      mappingFor("CreateUser"),
      request("POST", R"({"username":"alice","display_name":"A","displayName":"Alice","password":"p"})"));
  ASSERT_TRUE(message.isOk()) << message.status().toString();
  const auto& create = static_cast<const users::v1::CreateUserRequest&>(**message);
  EXPECT_EQ(create.username(), "alice");
  EXPECT_EQ(create.display_name(), "Alice");
}

// A top-up without its key would credit twice when retried: refused at the gateway, naming the
// header; the key in the header or in the body both do.
TEST(Transcoder, ARequiredIdempotencyKeyIsRefusedWhenMissing_HeaderOrBodyFieldBothDo) {
  Transcoder transcoder;
  const RestMapping& topUp = mappingFor("TopUpWallet");
  EXPECT_TRUE(topUp.idempotencyKeyRequired);
  EXPECT_FALSE(mappingFor("CreateUser").idempotencyKeyRequired);
  const std::string body = R"({"amount":{"currencyCode":"USD","units":"500"}})";
  auto missing = request("POST", body);
  missing.pathParams = {{"user_id", "0190a1b2-0000-7000-8000-000000000001"}};
  auto refused = transcoder.buildRequest(topUp, missing);
  ASSERT_FALSE(refused.isOk());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().violations().at(0).field, "Idempotency-Key");
  auto inHeader = missing;
  inHeader.headers.add("Idempotency-Key", "top-up-1");
  EXPECT_TRUE(transcoder.buildRequest(topUp, inHeader).isOk());
  auto inBody = request("POST", R"({"amount":{"currencyCode":"USD","units":"500"},"idempotencyKey":"top-up-2"})");
  inBody.pathParams = missing.pathParams;
  EXPECT_TRUE(transcoder.buildRequest(topUp, inBody).isOk());
}

TEST(Transcoder, PathQueryAndTypesAreChecked) {
  Transcoder transcoder;
  auto list = transcoder.buildRequest(mappingFor("ListUsers"), request("GET", {}, "pageSize=2&role=admin&query=a%20b"));
  ASSERT_TRUE(list.isOk()) << list.status().toString();
  const auto& listRequest = static_cast<const users::v1::ListUsersRequest&>(**list);
  EXPECT_EQ(listRequest.page_size(), 2);
  EXPECT_EQ(listRequest.query(), "a b");

  auto badNumber = transcoder.buildRequest(mappingFor("ListUsers"), request("GET", {}, "pageSize=lots"));
  ASSERT_FALSE(badNumber.isOk());
  EXPECT_EQ(badNumber.status().violations()[0].field, "pageSize");

  auto unknown = transcoder.buildRequest(mappingFor("ListUsers"), request("GET", {}, "colour=red"));
  ASSERT_FALSE(unknown.isOk());
  EXPECT_EQ(unknown.status().violations()[0].field, "colour");

  // A single-valued parameter given twice (in either spelling) was the last one, silently.
  for (const std::string query : {"role=admin&role=customer", "pageSize=2&page_size=3"}) {
    auto twice = transcoder.buildRequest(mappingFor("ListUsers"), request("GET", {}, query));
    ASSERT_FALSE(twice.isOk()) << query;
    EXPECT_EQ(twice.status().violations()[0].field, query.substr(query.find('&') + 1, query.rfind('=') - query.find('&') - 1))
        << query;
  }
}

// Invalid UTF-8 failed the call's serialization (a 500 and an error log per request, any anonymous
// client could raise HighErrorRate); NUL would reach PostgreSQL text. Both are the client's error.
TEST(Transcoder, TextThatIsNotUtf8OrHoldsNul_IsRefusedNamingTheParameter) {
  Transcoder transcoder;
  for (const std::string query : {"query=%FF", "query=%C0%AF", "query=a%00b"}) {
    auto list = transcoder.buildRequest(mappingFor("ListUsers"), request("GET", {}, query));
    ASSERT_FALSE(list.isOk()) << query;
    EXPECT_EQ(list.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(list.status().violations()[0].field, "query") << query;
  }
  http::HttpRequest get = request("GET");
  get.pathParams = {{"id", "\xC3("}};
  auto byId = transcoder.buildRequest(mappingFor("GetUser"), get);
  ASSERT_FALSE(byId.isOk());
  EXPECT_EQ(byId.status().violations()[0].field, "id");
  auto accented = transcoder.buildRequest(mappingFor("ListUsers"), request("GET", {}, "query=caf%C3%A9"));
  ASSERT_TRUE(accented.isOk()) << accented.status().toString();

  auto body = transcoder.buildRequest(
      mappingFor("CreateUser"), request("POST", R"({"username":"alice","displayName":"A\u0000B","password":"p"})"));
  ASSERT_FALSE(body.isOk());
  EXPECT_EQ(body.status().violations()[0].field, "displayName");
}

TEST(Transcoder, PatchDerivesTheMaskFromBodyKeysAndReadsIfMatch) {
  Transcoder transcoder;
  auto update = request("PATCH", R"({"displayName":"Alice","role":"admin"})");
  update.pathParams = {{"id", "abc"}};
  update.headers.add("If-Match", "\"7\"");
  auto message = transcoder.buildRequest(mappingFor("UpdateUser"), update);
  ASSERT_TRUE(message.isOk()) << message.status().toString();
  const auto& updateRequest = static_cast<const users::v1::UpdateUserRequest&>(**message);
  EXPECT_EQ(updateRequest.id(), "abc");
  EXPECT_EQ(updateRequest.expected_version(), 7);
  std::vector<std::string> paths(updateRequest.update_mask().paths().begin(), updateRequest.update_mask().paths().end());
  std::sort(paths.begin(), paths.end());
  EXPECT_EQ(paths, (std::vector<std::string>{"display_name", "role"}));

  update.headers = {};
  update.headers.add("If-Match", "yesterday");
  auto badEtag = transcoder.buildRequest(mappingFor("UpdateUser"), update);
  ASSERT_FALSE(badEtag.isOk());
  EXPECT_EQ(badEtag.status().violations()[0].field, "If-Match");
}

TEST(Transcoder, IfMatchOnAMethodWithoutAnExpectedVersionIsRefusedNamingIt) {
  Transcoder transcoder;
  auto remove = request("DELETE");
  remove.pathParams = {{"id", "abc"}};
  ASSERT_TRUE(mappingFor("DeleteUser").ifMatchField.empty());
  ASSERT_TRUE(transcoder.buildRequest(mappingFor("DeleteUser"), remove).isOk());
  for (const char* value : {"\"3\"", "*"}) {
    remove.headers = {};
    remove.headers.add("If-Match", value);
    auto refused = transcoder.buildRequest(mappingFor("DeleteUser"), remove);
    ASSERT_FALSE(refused.isOk()) << value;
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << value;
    EXPECT_EQ(refused.status().violations()[0].field, "If-Match") << value;
  }
}

// A whole-message body may repeat the path's field, not contradict it: the path wins (ownership was
// checked on it), and a body naming another order or wallet was silently overridden.
TEST(Transcoder, ABodyFieldThatContradictsThePath_IsRefused_RepeatingItIsNot) {
  Transcoder transcoder;
  auto cancel = request("POST", R"({"id":"order-b","reason":"changed my mind"})");
  cancel.pathParams = {{"id", "order-a"}};
  auto contradicted = transcoder.buildRequest(mappingFor("CancelOrder"), cancel);
  ASSERT_FALSE(contradicted.isOk());
  EXPECT_EQ(contradicted.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(contradicted.status().violations().at(0).field, "id");

  cancel.body = R"({"id":"order-a","reason":"changed my mind"})";
  EXPECT_TRUE(transcoder.buildRequest(mappingFor("CancelOrder"), cancel).isOk());

  auto topUp = request("POST", R"({"userId":"user-2","amount":{"currencyCode":"USD","units":"5"}})");
  topUp.pathParams = {{"user_id", "user-1"}};
  topUp.headers.add("Idempotency-Key", "top-up-3");
  auto otherWallet = transcoder.buildRequest(mappingFor("TopUpWallet"), topUp);
  ASSERT_FALSE(otherWallet.isOk());
  EXPECT_EQ(otherWallet.status().violations().at(0).field, "userId");
}

// A route with a body takes no query parameters (its OpenAPI operation lists none): one could set a
// field of the body again, or an update mask that drops what the body changes.
TEST(Transcoder, QueryParametersOnARouteWithABody_AreRefusedNamingThem) {
  Transcoder transcoder;
  for (const std::string query : {"user.displayName=Q", "updateMask=email"}) {
    auto update = request("PATCH", R"({"displayName":"B"})", query);
    update.pathParams = {{"id", "abc"}};
    auto refused = transcoder.buildRequest(mappingFor("UpdateUser"), update);
    ASSERT_FALSE(refused.isOk()) << query;
    EXPECT_EQ(refused.status().violations().at(0).field, query.substr(0, query.find('='))) << query;
  }
}

// As If-Match above: a key the route cannot honour promises a retry one effect, and it would run again.
TEST(Transcoder, IdempotencyKeyOnAWriteThatCannotHonourIt_IsRefused_OnAReadIgnored) {
  Transcoder transcoder;
  ASSERT_TRUE(mappingFor("ResetPassword").idempotencyKeyField.empty());
  auto reset = request("POST");
  reset.pathParams = {{"id", "abc"}};
  EXPECT_TRUE(transcoder.buildRequest(mappingFor("ResetPassword"), reset).isOk());
  reset.headers.add("Idempotency-Key", "reset-1");
  auto refused = transcoder.buildRequest(mappingFor("ResetPassword"), reset);
  ASSERT_FALSE(refused.isOk());
  EXPECT_EQ(refused.status().violations().at(0).field, "Idempotency-Key");

  auto read = request("GET");
  read.pathParams = {{"id", "abc"}};
  read.headers.add("Idempotency-Key", "read-1");
  EXPECT_TRUE(transcoder.buildRequest(mappingFor("GetUser"), read).isOk());
}

TEST(Transcoder, BytesAfterTheJsonBody_AreRefusedNamingTheBody) {
  Transcoder transcoder;
  auto result =
      transcoder.buildRequest(mappingFor("CreateUser"), request("POST", R"({"username":"a"}{"role":"admin"})"));
  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().violations().at(0).field, "body");
  EXPECT_NE(result.status().message().find("at byte 16"), std::string::npos) << result.status().message();
}

TEST(Transcoder, MalformedJsonNamesThePosition) {
  Transcoder transcoder;
  auto result = transcoder.buildRequest(mappingFor("CreateUser"), request("POST", R"({"username": "a",})"));
  ASSERT_FALSE(result.isOk());
  EXPECT_EQ(result.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status().message().find("at byte"), std::string::npos) << result.status().message();
}

TEST(Transcoder, UnknownAndMistypedFieldsAreNamed) {
  Transcoder transcoder;
  auto unknown = transcoder.buildRequest(mappingFor("CreateUser"), request("POST", R"({"username":"a","admin":true})"));
  ASSERT_FALSE(unknown.isOk());
  EXPECT_EQ(unknown.status().violations()[0].field, "admin");
  auto mistyped = transcoder.buildRequest(mappingFor("CreateUser"), request("POST", R"({"username":5})"));
  ASSERT_FALSE(mistyped.isOk());
  EXPECT_EQ(mistyped.status().violations()[0].field, "username");
  auto notObject = transcoder.buildRequest(mappingFor("CreateUser"), request("POST", "[1,2]"));
  ASSERT_FALSE(notObject.isOk());
}

TEST(Transcoder, DeepJsonIsRefused) {
  Transcoder transcoder({.maxJsonDepth = 8});
  std::string deep = R"({"username":)" + std::string(20, '[') + std::string(20, ']') + "}";
  auto result = transcoder.buildRequest(mappingFor("CreateUser"), request("POST", deep));
  ASSERT_FALSE(result.isOk());
  EXPECT_NE(result.status().message().find("deeper than 8"), std::string::npos) << result.status().message();
}

TEST(Transcoder, ResponseRendersCamelCaseAndEtag) {
  Transcoder transcoder;
  users::v1::User user;
  user.set_id("u1");
  user.set_display_name("Alice");
  user.set_version(3);
  std::string etag;
  auto json = transcoder.renderResponse(mappingFor("GetUser"), user, etag);
  ASSERT_TRUE(json.isOk());
  EXPECT_EQ(etag, "\"3\"");
  EXPECT_NE(json->find(R"("displayName":"Alice")"), std::string::npos) << *json;
  EXPECT_NE(json->find(R"("status":"")"), std::string::npos) << "default values are printed: " << *json;
}

}  // namespace
}  // namespace fleetdeck::gateway
