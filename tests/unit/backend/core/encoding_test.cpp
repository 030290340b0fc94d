#include <gtest/gtest.h>

#include <set>
#include <thread>
#include <vector>

#include "fleetdeck/core/client_address.h"
#include "fleetdeck/core/encoding.h"
#include "fleetdeck/core/ids.h"

namespace fleetdeck {
namespace {

TEST(Encoding, Base64UrlRoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 40; ++i) {
    const std::string encoded = base64UrlEncode(bytes);
    EXPECT_EQ(encoded.find_first_of("+/="), std::string::npos);
    auto decoded = base64UrlDecode(encoded);
    ASSERT_TRUE(decoded.has_value());
    EXPECT_EQ(*decoded, bytes);
    bytes += static_cast<char>(i * 37);
  }
  EXPECT_EQ(base64UrlEncode("hello"), "aGVsbG8");
  EXPECT_FALSE(base64UrlDecode("a$b").has_value());
}

TEST(Encoding, Base64UrlDecodesOnlyTheCanonicalSpelling) {
  // "hello" is aGVsbG8: the last character carries 4 data bits and 2 unused ones, which must be 0.
  EXPECT_EQ(base64UrlDecode("aGVsbG8").value_or("?"), "hello");
  EXPECT_EQ(base64UrlDecode("aGVsbG8=").value_or("?"), "hello");
  EXPECT_FALSE(base64UrlDecode("aGVsbG9").has_value()) << "same bytes, a non-zero unused bit";
  EXPECT_FALSE(base64UrlDecode("aGVsbG-").has_value());
  // One byte: 2 data bits in the second character, 4 unused.
  EXPECT_EQ(base64UrlDecode("YQ").value_or("?"), "a");
  EXPECT_FALSE(base64UrlDecode("YR").has_value());
}

TEST(Encoding, Sha256MatchesKnownVector) {
  EXPECT_EQ(sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(Encoding, PercentEncodeRoundTrips) {
  const std::string text = "a b&c=d/é%";
  EXPECT_EQ(percentEncode("a b&c"), "a%20b%26c");
  EXPECT_EQ(percentDecode(percentEncode(text)).value(), text);
}

TEST(Encoding, PercentDecode) {
  EXPECT_EQ(percentDecode("a%20b%2Fc").value(), "a b/c");
  EXPECT_FALSE(percentDecode("bad%2").has_value());
  EXPECT_FALSE(percentDecode("bad%zz").has_value());
  // Runs between escapes, an escape at either end, none at all.
  EXPECT_EQ(percentDecode("%41x%42y%43").value(), "AxByC");
  EXPECT_EQ(percentDecode("01a2259a-6559-7702-8880-59ade95f2b51").value(), "01a2259a-6559-7702-8880-59ade95f2b51");
  EXPECT_EQ(percentDecode("").value(), "");
  EXPECT_EQ(percentDecode("%25%2525").value(), "%%25");
  EXPECT_FALSE(percentDecode("%").has_value());
  EXPECT_FALSE(percentDecode("a%4").has_value());
}

TEST(Encoding, Utf8AcceptsWellFormedTextOnly) {
  EXPECT_TRUE(isUtf8(""));
  EXPECT_TRUE(isUtf8("plain ascii"));
  EXPECT_TRUE(isUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));  // é € 😀
  EXPECT_TRUE(isUtf8(std::string("nul\0inside", 10)));                     // well-formed; NUL is the caller's rule
  EXPECT_FALSE(isUtf8("\xFF"));
  EXPECT_FALSE(isUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(isUtf8("\xE0\x80\xAF"));      // overlong
  EXPECT_FALSE(isUtf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(isUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(isUtf8("cut \xE2\x82"));       // truncated at the end
  EXPECT_FALSE(isUtf8("\xC3("));              // a bad continuation byte
}

TEST(Encoding, ToValidUtf8ReplacesMalformedBytesAndCutsBetweenCharacters) {
  EXPECT_EQ(toValidUtf8("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(toValidUtf8("a\xff" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(toValidUtf8("x\xc3"), "x\xEF\xBF\xBD") << "a character cut short";
  EXPECT_EQ(toValidUtf8("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD") << "a surrogate, byte by byte";
  // Cut at 4 bytes: "ab" then the 3-byte euro sign would end at 5, so it is left out whole.
  EXPECT_EQ(toValidUtf8("ab\xe2\x82\xac", 4), "ab");
  EXPECT_EQ(toValidUtf8("ab\xe2\x82\xac", 5), "ab\xe2\x82\xac");
  EXPECT_EQ(toValidUtf8("", 0), "");
  EXPECT_EQ(utf8CharLength("\xf0\x9f\x98\x80", 0), 4u);
  EXPECT_EQ(utf8CharLength("a", 1), 0u) << "past the end";
}

TEST(ClientAddress, IPv6AddressesAreThrottledByTheirSlash64) {
  EXPECT_EQ(throttledAddress("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), "2001:db8:1:2::/64");
  EXPECT_EQ(throttledAddress("2001:db8:1:2::1"), throttledAddress("2001:db8:1:2:ffff::9"));
  EXPECT_NE(throttledAddress("2001:db8:1:2::1"), throttledAddress("2001:db8:1:3::1"));
  EXPECT_EQ(throttledAddress("::ffff:192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(throttledAddress("192.0.2.7"), "192.0.2.7");
  EXPECT_EQ(throttledAddress("not an address"), "not an address");
}

TEST(Ids, UuidsAreVersion7AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = newUuid();
    ASSERT_TRUE(isUuid(id)) << id;
    EXPECT_EQ(id[14], '7');
    EXPECT_TRUE(seen.insert(id).second);
  }
  EXPECT_FALSE(isUuid("not-a-uuid"));
  EXPECT_FALSE(isUuid("01a213e1-22c5-7335-a7e4-2b51dae6d87g"));
}

TEST(Ids, UuidsSortByCreationTime) {
  const std::string first = newUuid();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  const std::string second = newUuid();
  EXPECT_LT(first, second);
}

TEST(Ids, UuidsMadeInTheSameMillisecondKeepTheirOrder) {
  // 5000 in a row: many share a millisecond, and more than a millisecond's 2048-id counter room.
  std::vector<std::string> ids;
  for (int i = 0; i < 5000; ++i) ids.push_back(newUuid());
  for (size_t i = 1; i < ids.size(); ++i) {
    ASSERT_LT(ids[i - 1], ids[i]) << "id " << i;
    ASSERT_EQ(ids[i][14], '7');
    ASSERT_TRUE(isUuid(ids[i]));
  }
}

TEST(Ids, RandomHexHasRequestedLength) {
  EXPECT_EQ(randomHex(16).size(), 32u);
  EXPECT_NE(randomHex(16), randomHex(16));
}

}  // namespace
}  // namespace fleetdeck
