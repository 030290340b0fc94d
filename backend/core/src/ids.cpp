#include "fleetdeck/core/ids.h"

#include <sys/random.h>

#include <chrono>
#include <mutex>
#include <stdexcept>

#include "fleetdeck/core/encoding.h"

namespace fleetdeck {
namespace {

void fillRandom(unsigned char* data, size_t size) {
  size_t done = 0;
  while (done < size) {
    const ssize_t got = getrandom(data + done, size - done, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error("getrandom failed");
    }
    done += static_cast<size_t>(got);
  }
}

// The timestamp and 12-bit counter of the next UUID (RFC 9562, method 1): ids made in one process
// in the same millisecond still sort in the order they were made (an audit trail read newest first
// by id showed two records of one request in either order). A new millisecond starts the counter at
// a random value below 2048, leaving room for 2048 more ids before the timestamp is stepped on.
std::pair<uint64_t, uint16_t> nextTimestampAndCounter(uint16_t random) {
  static std::mutex mutex;
  static uint64_t lastMillis = 0;
  static uint16_t counter = 0;
  const uint64_t now = static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count());
  std::lock_guard lock(mutex);
  if (now > lastMillis) {
    lastMillis = now;
    counter = random & 0x7FF;
  } else if (++counter > 0xFFF) {
    ++lastMillis;  // the clock went back, or 2048+ ids in a millisecond: step on rather than repeat
    counter = random & 0x7FF;
  }
  return {lastMillis, counter};
}

}  // namespace

std::string newUuid() {
  unsigned char bytes[16];
  fillRandom(bytes, sizeof bytes);
  const auto [millis, counter] = nextTimestampAndCounter(static_cast<uint16_t>(bytes[6] << 8 | bytes[7]));
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<unsigned char>(millis >> (8 * (5 - i)));
  bytes[6] = static_cast<unsigned char>(0x70 | (counter >> 8));  // version 7, then the counter's top 4 bits
  bytes[7] = static_cast<unsigned char>(counter & 0xFF);
  bytes[8] = static_cast<unsigned char>((bytes[8] & 0x3F) | 0x80);  // RFC 4122 variant
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) text += '-';
    text += kHex[bytes[i] >> 4];
    text += kHex[bytes[i] & 0x0F];
  }
  return text;
}

std::string canonicalUuid(std::string_view id) {
  std::string result(id);
  for (char& c : result) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return result;
}

bool isUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

std::string randomBytes(size_t bytes) {
  std::string buffer(bytes, '\0');
  fillRandom(reinterpret_cast<unsigned char*>(buffer.data()), bytes);
  return buffer;
}

std::string randomHex(size_t bytes) { return hexEncode(randomBytes(bytes)); }

}  // namespace fleetdeck
