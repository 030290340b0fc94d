// fleetdeck::json::parse: one JSON text, whole, or an error naming the byte.
#include "fleetdeck/core/json.h"

#include <gtest/gtest.h>

namespace fleetdeck {
namespace {

TEST(JsonParse, OneValueWithSurroundingWhitespace_Parses) {
  std::string error;
  auto parsed = json::parse(" {\"a\":1}\n", &error);
  ASSERT_TRUE(parsed.has_value()) << error;
  EXPECT_EQ(parsed->as_object().at("a").as_int64(), 1);
}

// Bytes after the value were ignored: {"consumer":"x"}{"sequence":5} was read as the first object
// alone, and a route's "not both" rule never saw the second.
TEST(JsonParse, BytesAfterTheValue_AreAnErrorNamingTheByte) {
  for (const std::string text : {R"({"consumer":"x"}{"sequence":5})", "{} x", "[1] [2]", "1 2"}) {
    std::string error;
    EXPECT_FALSE(json::parse(text, &error).has_value()) << text;
    EXPECT_NE(error.find("at byte"), std::string::npos) << text << ": " << error;
  }
}

TEST(JsonParse, TruncatedOrMalformedText_IsAnError) {
  for (const std::string text : {"", "{", R"({"a":})", "nul"}) {
    std::string error;
    EXPECT_FALSE(json::parse(text, &error).has_value()) << text;
    EXPECT_FALSE(error.empty()) << text;
  }
}

}  // namespace
}  // namespace fleetdeck
