// gzip negotiation and CORS decisions.
#include <gtest/gtest.h>

#include "fleetdeck/http/compression.h"
#include "fleetdeck/http/cors.h"

namespace fleetdeck::http {
namespace {

TEST(Gzip, AcceptEncodingIsReadWithQualities) {
  EXPECT_TRUE(acceptsGzip("gzip"));
  EXPECT_TRUE(acceptsGzip("deflate, GZIP;q=0.5"));
  EXPECT_TRUE(acceptsGzip("*"));
  EXPECT_FALSE(acceptsGzip("gzip;q=0"));
  EXPECT_FALSE(acceptsGzip("br, deflate"));
  EXPECT_FALSE(acceptsGzip("*, gzip;q=0"));
  EXPECT_FALSE(acceptsGzip(""));
}

TEST(Gzip, RoundTripsAndOnlyCompressesWhenAskedAndWorthIt) {
  const std::string body(5000, 'z');
  auto compressed = gzipCompress(body);
  ASSERT_TRUE(compressed.isOk());
  EXPECT_LT(compressed->size(), 200u);
  EXPECT_EQ(*gzipDecompress(*compressed), body);
  EXPECT_FALSE(gzipDecompress("not gzip at all").isOk());
  EXPECT_EQ(gzipDecompress(*compressed, 100).status().code(), StatusCode::kResourceExhausted);

  HttpRequest asks;
  asks.headers.add("Accept-Encoding", "gzip");
  HttpResponse big = HttpResponse::json(200, body);
  compressIfAccepted(asks, big, 1024);
  EXPECT_EQ(big.headers.get("Content-Encoding").value_or(""), "gzip");
  EXPECT_EQ(*gzipDecompress(big.body), body);
  HttpResponse small = HttpResponse::json(200, "{}");
  compressIfAccepted(asks, small, 1024);
  EXPECT_FALSE(small.headers.contains("Content-Encoding"));
  HttpRequest silent;
  HttpResponse notAsked = HttpResponse::json(200, body);
  compressIfAccepted(silent, notAsked, 1024);
  EXPECT_EQ(notAsked.body, body);
  EXPECT_EQ(notAsked.headers.get("Vary").value_or(""), "Accept-Encoding");
}

TEST(Cors, OnlyConfiguredOriginsGetThroughPreflightAndResponses) {
  CorsPolicy policy({.allowedOrigins = {"https://console.example"}});
  HttpRequest preflight;
  preflight.method = "OPTIONS";
  preflight.headers.add("Origin", "https://console.example");
  preflight.headers.add("Access-Control-Request-Method", "PATCH");
  ASSERT_TRUE(policy.isPreflight(preflight));
  const auto allowed = policy.preflight(preflight);
  EXPECT_EQ(allowed.status, 204);
  EXPECT_EQ(allowed.headers.get("Access-Control-Allow-Origin").value_or(""), "https://console.example");
  HttpRequest evil = preflight;
  evil.headers.set("Origin", "https://evil.example");
  EXPECT_EQ(policy.preflight(evil).status, 403);
  HttpResponse response;
  policy.decorate(evil, response);
  EXPECT_FALSE(response.headers.contains("Access-Control-Allow-Origin"));
  HttpRequest plain;
  plain.method = "GET";
  EXPECT_FALSE(policy.isPreflight(plain));
  CorsPolicy disabled({});
  EXPECT_EQ(disabled.preflight(preflight).status, 403);
}

}  // namespace
}  // namespace fleetdeck::http
