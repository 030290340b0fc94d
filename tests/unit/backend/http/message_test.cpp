// HTTP message helpers: case-insensitive field names, checked against a byte-at-a-time reference.
#include "fleetdeck/http/message.h"

#include <gtest/gtest.h>

#include <string>

namespace fleetdeck::http {
namespace {

bool referenceEqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

// Every pair of byte values, at every position of names long enough to take the eight-byte path
// and its tail: only ASCII letters match across case ('@' and '`', '[' and '{' differ by the same bit).
TEST(EqualsIgnoreCase, AgreesWithTheByteAtATimeReference_ForEveryBytePairAtEveryPosition) {
  const std::string base = "Content-Type-Xyz!";
  size_t mismatches = 0;
  size_t matches = 0;
  for (size_t position = 0; position < base.size(); ++position) {
    for (int first = 0; first < 256; ++first) {
      for (int second = 0; second < 256; ++second) {
        std::string a = base;
        std::string b = base;
        a[position] = static_cast<char>(first);
        b[position] = static_cast<char>(second);
        const bool expected = referenceEqualsIgnoreCase(a, b);
        if (equalsIgnoreCase(a, b) != expected) ++mismatches;
        if (expected) ++matches;
      }
    }
  }
  EXPECT_EQ(mismatches, 0u);
  EXPECT_EQ(matches, base.size() * (256 + 26 * 2));  // equal bytes, and each letter with its other case
}

TEST(EqualsIgnoreCase, DifferentLengthsOrLettersDiffer_AndHeadersAreFoundInAnyCase) {
  EXPECT_TRUE(equalsIgnoreCase("TRANSFER-ENCODING", "transfer-encoding"));
  EXPECT_FALSE(equalsIgnoreCase("transfer-encoding", "transfer-encodin"));
  EXPECT_FALSE(equalsIgnoreCase("content-length", "content-lengti"));
  EXPECT_TRUE(equalsIgnoreCase("", ""));
  Headers headers;
  headers.add("X-Request-Id", "r1");
  EXPECT_EQ(headers.get("x-request-ID"), "r1");
  EXPECT_FALSE(headers.get("x-request-if").has_value());
}

}  // namespace
}  // namespace fleetdeck::http
