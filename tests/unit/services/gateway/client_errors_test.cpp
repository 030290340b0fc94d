#include "domain/client_errors.h"

#include <gtest/gtest.h>

namespace fleetdeck::gateway {
namespace {

constexpr const char* kInstance = "10.0.3.7:50051";
constexpr const char* kTrace = "4bf92f3577b34da6a3ce929d0e0e4736";

TEST(ClientErrors, AServersOwnFaultTextIsReplacedByTheServiceAndTraceId) {
  const auto redacted = redactedForClients(
      "users", internalError("connection to server at 10.0.9.9 failed: password authentication failed for user x"),
      kInstance, kTrace);
  ASSERT_TRUE(redacted);
  EXPECT_EQ(redacted->code(), StatusCode::kInternal);
  EXPECT_EQ(redacted->message(), std::string("service 'users' failed; its operators can look it up by trace id ") + kTrace);
}

// The gateway's gRPC client says where a deadline ran out, a stream was reset or an answer was too
// large: whatever the code, a text naming the instance's address stays with the operators.
TEST(ClientErrors, AnyTextNamingTheInstanceIsReplaced_WithItsCodeKept) {
  const auto late = redactedForClients(
      "products", Status(StatusCode::kDeadlineExceeded, std::string("no answer from ") + kInstance + " before the deadline"),
      kInstance, kTrace);
  ASSERT_TRUE(late);
  EXPECT_EQ(late->code(), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(late->message().find(kInstance), std::string::npos) << late->message();
  EXPECT_NE(late->message().find("products"), std::string::npos);
  for (const StatusCode code : {StatusCode::kResourceExhausted, StatusCode::kCancelled, StatusCode::kUnimplemented}) {
    const auto redacted =
        redactedForClients("products", Status(code, std::string("stream to ") + kInstance + " reset"), kInstance, kTrace);
    ASSERT_TRUE(redacted) << static_cast<int>(code);
    EXPECT_EQ(redacted->code(), code);
    EXPECT_EQ(redacted->message().find(kInstance), std::string::npos) << redacted->message();
  }
}

TEST(ClientErrors, RefusalsAndTheGatewaysOwnWordsPassAsTheyAre) {
  EXPECT_FALSE(redactedForClients("orders", invalidField("items[0].quantity", "must be positive"), kInstance, kTrace));
  EXPECT_FALSE(redactedForClients("orders", notFound("order 1 not found"), kInstance, kTrace));
  EXPECT_FALSE(redactedForClients("orders", Status(StatusCode::kResourceExhausted, "too many requests at once"),
                                  kInstance, kTrace));
  EXPECT_FALSE(redactedForClients("orders", unavailable("service 'orders' is unavailable (circuit open)"), kInstance,
                                  kTrace));
  const auto down = redactedForClients("orders", unavailable("cannot connect to 10.0.3.7:50051"), kInstance, kTrace);
  ASSERT_TRUE(down);
  EXPECT_EQ(down->message(), "service 'orders' is unavailable");
}

}  // namespace
}  // namespace fleetdeck::gateway
