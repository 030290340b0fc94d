#include "fleetdeck/http/router.h"

#include <gtest/gtest.h>

namespace fleetdeck::http {
namespace {

class CapturingResponder final : public Responder {
 public:
  void send(HttpResponse response) override { last = std::move(response); }
  HttpResponse last;
};

Handler named(std::string name, std::string* hit) {
  return [name, hit](HttpRequest&, std::shared_ptr<Responder> responder) {
    *hit = name;
    responder->send(HttpResponse::text(200, name));
  };
}

TEST(RouteTemplate, MatchesParametersAndDecodesThem) {
  auto route = RouteTemplate::parse("/api/v1/users/{id}");
  ASSERT_TRUE(route.isOk());
  std::vector<std::pair<std::string, std::string>> params;
  ASSERT_TRUE(route->match("/api/v1/users/a%20b", params));
  ASSERT_EQ(params.size(), 1u);
  EXPECT_EQ(params[0].first, "id");
  EXPECT_EQ(params[0].second, "a b");
  params.clear();
  EXPECT_FALSE(route->match("/api/v1/users", params));
  EXPECT_FALSE(route->match("/api/v1/users/1/extra", params));
  EXPECT_FALSE(route->match("/api/v1/users/", params));
}

TEST(RouteTemplate, CustomVerbMustMatch) {
  auto route = RouteTemplate::parse("/api/v1/users/{id}:resetPassword");
  ASSERT_TRUE(route.isOk());
  std::vector<std::pair<std::string, std::string>> params;
  EXPECT_TRUE(route->match("/api/v1/users/42:resetPassword", params));
  EXPECT_EQ(params[0].second, "42");
  params.clear();
  EXPECT_FALSE(route->match("/api/v1/users/42", params));
  EXPECT_FALSE(route->match("/api/v1/users/42:disable", params));
}

TEST(RouteTemplate, RestParameterCapturesTheTail) {
  auto route = RouteTemplate::parse("/proxy/{path=**}");
  ASSERT_TRUE(route.isOk());
  std::vector<std::pair<std::string, std::string>> params;
  ASSERT_TRUE(route->match("/proxy/api/v1/query", params));
  EXPECT_EQ(params[0].second, "api/v1/query");
}

TEST(RouteTemplate, RejectsMalformedTemplates) {
  EXPECT_FALSE(RouteTemplate::parse("no/leading/slash").isOk());
  EXPECT_FALSE(RouteTemplate::parse("/a/{bad name}").isOk());
  EXPECT_FALSE(RouteTemplate::parse("/a//b").isOk());
  EXPECT_FALSE(RouteTemplate::parse("/a/{rest=**}/b").isOk());
}

TEST(Router, LiteralSegmentsWinOverParameters) {
  std::string hit;
  Router router;
  router.add("GET", "/api/v1/users/{id}", named("byId", &hit));
  router.add("GET", "/api/v1/users/me", named("me", &hit));
  auto responder = std::make_shared<CapturingResponder>();
  HttpRequest request{.method = "GET", .path = "/api/v1/users/me"};
  router.dispatch(request, responder);
  EXPECT_EQ(hit, "me");
  request.path = "/api/v1/users/7";
  router.dispatch(request, responder);
  EXPECT_EQ(hit, "byId");
  EXPECT_EQ(request.pathParam("id").value(), "7");
  EXPECT_EQ(request.routeTemplate, "/api/v1/users/{id}");
}

TEST(Router, UnknownPathIs404AndWrongMethodIs405WithAllow) {
  std::string hit;
  Router router;
  router.add("GET", "/api/v1/users/{id}", named("get", &hit));
  router.add("PATCH", "/api/v1/users/{id}", named("patch", &hit));
  auto responder = std::make_shared<CapturingResponder>();
  HttpRequest request{.method = "GET", .path = "/api/v2/nothing"};
  router.dispatch(request, responder);
  EXPECT_EQ(responder->last.status, 404);
  EXPECT_NE(responder->last.body.find("\"code\":\"NOT_FOUND\""), std::string::npos);
  request = HttpRequest{.method = "PUT", .path = "/api/v1/users/1"};
  router.dispatch(request, responder);
  EXPECT_EQ(responder->last.status, 405);
  EXPECT_EQ(responder->last.headers.get("Allow").value(), "GET, PATCH");
  EXPECT_TRUE(hit.empty());
}

// Lookups try only the routes that can match a path's number of segments: a "{name=**}" route
// still matches every longer path, also one longer than the index covers, and is tried in its
// place in the specificity order among the exact-length routes.
TEST(Router, RestRoutesMatchLongerPathsBesideExactLengthRoutes) {
  std::string hit;
  Router router;
  router.add("GET", "/files/{path=**}", named("rest", &hit));
  router.add("GET", "/files/{a}/{b}", named("two", &hit));
  router.add("GET", "/files/readme/{b}", named("readme", &hit));
  router.add("POST", "/other/{a}/{b}/{c}", named("other", &hit));
  auto responder = std::make_shared<CapturingResponder>();
  const auto get = [&](std::string path) {
    hit.clear();
    HttpRequest request{.method = "GET", .path = std::move(path)};
    router.dispatch(request, responder);
    return request;
  };
  EXPECT_EQ(get("/files/x/y").pathParam("b").value(), "y");
  EXPECT_EQ(hit, "two");
  get("/files/readme/y");
  EXPECT_EQ(hit, "readme");
  EXPECT_EQ(get("/files/x").pathParam("path").value(), "x");
  EXPECT_EQ(hit, "rest");
  EXPECT_EQ(get("/files/x/y/z").pathParam("path").value(), "x/y/z");
  EXPECT_EQ(hit, "rest");
  std::string deep = "/files";
  for (int i = 0; i < 40; ++i) deep += "/d" + std::to_string(i);
  EXPECT_EQ(get(deep).pathParam("path").value(), deep.substr(std::string("/files/").size()));
  EXPECT_EQ(hit, "rest");
  get("/other/1/2/3");
  EXPECT_EQ(responder->last.status, 405);
  EXPECT_EQ(responder->last.headers.get("Allow").value(), "POST");
  get("/nothing/here");
  EXPECT_EQ(responder->last.status, 404);
  EXPECT_TRUE(hit.empty());
}

// Literals are compared by hash first, the last one without its ":verb" and a rest route's as the
// segment arrived: each of those must still decide exactly as the strings do.
TEST(Router, LiteralsBeforeAVerbAndInARestRouteAreComparedAsTheyMustBe) {
  std::string hit;
  Router router;
  router.add("POST", "/a/alerts:acknowledge", named("ack", &hit));
  router.add("GET", "/a/alerts", named("list", &hit));
  router.add("GET", "/a/{name}", named("byName", &hit));
  router.add("GET", "/p/{rest=**}", named("proxy", &hit));
  router.add("GET", "/p/fixed/{rest=**}", named("fixedProxy", &hit));
  auto responder = std::make_shared<CapturingResponder>();
  const auto call = [&](std::string method, std::string path) {
    hit.clear();
    HttpRequest request{.method = std::move(method), .path = std::move(path)};
    router.dispatch(request, responder);
    return request;
  };
  call("POST", "/a/alerts:acknowledge");
  EXPECT_EQ(hit, "ack");
  call("GET", "/a/alerts");
  EXPECT_EQ(hit, "list");
  call("POST", "/a/alerts:unacknowledge");  // another verb: no route has it
  EXPECT_EQ(responder->last.status, 404);
  EXPECT_EQ(call("GET", "/a/alertsX").pathParam("name").value(), "alertsX");
  EXPECT_EQ(call("GET", "/p/x:y").pathParam("rest").value(), "x:y");
  EXPECT_EQ(hit, "proxy");
  EXPECT_EQ(call("GET", "/p/fixed/q").pathParam("rest").value(), "q");
  EXPECT_EQ(hit, "fixedProxy");
  EXPECT_EQ(call("GET", "/p/fixed").pathParam("rest").value(), "");
  EXPECT_EQ(hit, "fixedProxy");
  // A rest route's literal is the segment as it arrived: "fixed:x" is not "fixed".
  EXPECT_EQ(call("GET", "/p/fixed:x").pathParam("rest").value(), "fixed:x");
  EXPECT_EQ(hit, "proxy");
}

TEST(Router, AnEmptyRouterAnswers404) {
  Router router;
  auto responder = std::make_shared<CapturingResponder>();
  HttpRequest request{.method = "GET", .path = "/a/b"};
  router.dispatch(request, responder);
  EXPECT_EQ(responder->last.status, 404);
}

TEST(Query, ParsesAndDecodes) {
  auto query = parseQuery("pageSize=2&query=a%26b&name=x+y&flag");
  ASSERT_TRUE(query.has_value());
  ASSERT_EQ(query->size(), 4u);
  EXPECT_EQ((*query)[1].second, "a&b");
  EXPECT_EQ((*query)[2].second, "x y");
  EXPECT_EQ((*query)[3].first, "flag");
  EXPECT_FALSE(parseQuery("a=%zz").has_value());
}

TEST(ErrorBody, HasCodeMessageDetailsAndTraceId) {
  const auto response = errorResponse(invalidField("email", "must be an address"), "abc123");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.body,
            R"({"error":{"code":"INVALID_ARGUMENT","message":"email: must be an address",)"
            R"("details":[{"field":"email","reason":"must be an address"}],"trace_id":"abc123"}})");
}

TEST(ErrorBody, CarriesAReasonLast_OnlyWhenOneIsGiven) {
  EXPECT_EQ(errorBody(unavailable("no store"), "abc123", "TRACE_STORE_DISABLED"),
            R"({"error":{"code":"UNAVAILABLE","message":"no store","details":[],"trace_id":"abc123",)"
            R"("reason":"TRACE_STORE_DISABLED"}})");
  EXPECT_EQ(errorBody(unavailable("no store"), "abc123", ""),
            R"({"error":{"code":"UNAVAILABLE","message":"no store","details":[],"trace_id":"abc123"}})");
}

}  // namespace
}  // namespace fleetdeck::http
