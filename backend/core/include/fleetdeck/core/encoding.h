// Byte encodings used in URLs, tokens and digests.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace fleetdeck {

// RFC 4648 base64url without padding; decoding accepts padding and only canonical text (unused
// trailing bits zero).
std::string base64UrlEncode(std::string_view bytes);
std::optional<std::string> base64UrlDecode(std::string_view text);

std::string hexEncode(std::string_view bytes);

// SHA-256 of the input, hex encoded.
std::string sha256Hex(std::string_view data);

// Percent-encoding of a URL component: everything but RFC 3986 unreserved characters.
std::string percentEncode(std::string_view text);

// Well-formed UTF-8 (no overlong forms, surrogates or code points above U+10FFFF): what a proto3
// string field and a PostgreSQL text column require.
bool isUtf8(std::string_view text);

// Length in bytes of the well-formed UTF-8 character starting at `text[at]` (1 for ASCII), or 0
// when the bytes there are not one.
size_t utf8CharLength(std::string_view text, size_t at = 0);

// `text` as well-formed UTF-8 of at most `maxBytes`: each malformed byte becomes U+FFFD and the text is
// cut between characters. For text from outside that is kept and served again (span attributes).
std::string toValidUtf8(std::string_view text, size_t maxBytes = std::string_view::npos);

// Percent-decoding of a URL component ('+' stays '+'); nullopt on a malformed escape.
std::optional<std::string> percentDecode(std::string_view text);

}  // namespace fleetdeck
