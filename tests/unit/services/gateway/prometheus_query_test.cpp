// The Prometheus proxy's parameters: what the console sends passes, anything else is named.
#include "domain/prometheus_query.h"

#include <gtest/gtest.h>

namespace fleetdeck::gateway {
namespace {

TEST(PrometheusParameters, WhatTheConsoleSendsPasses) {
  EXPECT_TRUE(checkPrometheusParameters("/api/v1/query", "query=up&time=1764200000").isOk());
  EXPECT_TRUE(checkPrometheusParameters("/api/v1/query", "query=sum%28rate%28x%5B1m%5D%29%29").isOk());
  EXPECT_TRUE(checkPrometheusParameters("/api/v1/query_range", "query=up&start=1&end=2&step=15").isOk());
  EXPECT_TRUE(checkPrometheusParameters("/api/v1/alerts", "").isOk());
  EXPECT_TRUE(checkPrometheusParameters("/api/v1/rules", "type=alert").isOk());
}

// timeout=, stats=, limit= would change what Prometheus spends on a client's behalf.
TEST(PrometheusParameters, AnyOtherParameterIsRefusedByName) {
  const Status timeout = checkPrometheusParameters("/api/v1/query", "query=up&timeout=10m");
  ASSERT_FALSE(timeout.isOk());
  EXPECT_EQ(timeout.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(timeout.violations().at(0).field, "timeout");
  EXPECT_EQ(checkPrometheusParameters("/api/v1/query_range", "query=up&stats=all").violations().at(0).field, "stats");
  EXPECT_EQ(checkPrometheusParameters("/api/v1/alerts", "foo=1").violations().at(0).field, "foo");
  EXPECT_EQ(checkPrometheusParameters("/api/v1/query", "step=15").violations().at(0).field, "step")
      << "a parameter of another route";
}

}  // namespace
}  // namespace fleetdeck::gateway
