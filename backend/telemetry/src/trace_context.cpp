#include "fleetdeck/telemetry/trace_context.h"

#include <array>
#include <cstdint>
#include <random>

namespace fleetdeck::telemetry {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

constexpr bool isLowerHex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); }

int hexValue(char c) { return c <= '9' ? c - '0' : c - 'a' + 10; }

// Ids only need to be unique, not secret: a per-thread generator seeded from the OS keeps id
// creation off the kernel on every request.
std::mt19937_64& generator() {
  thread_local std::mt19937_64 engine([] {
    std::random_device device;
    return (static_cast<uint64_t>(device()) << 32) ^ device();
  }());
  return engine;
}

// Both hex digits of a byte from one lookup: a new id per request (and per upstream call) made a
// digit at a time was ~300 instructions of the gateway's proxied request.
constexpr auto kHexPairs = [] {
  std::array<std::array<char, 2>, 256> pairs{};
  for (size_t byte = 0; byte < 256; ++byte) pairs[byte] = {kHexDigits[byte >> 4], kHexDigits[byte & 0xf]};
  return pairs;
}();

template <size_t N>
void fillRandomHex(std::array<char, N>& out) {
  static_assert(N % 16 == 0);
  for (size_t offset = 0; offset < N; offset += 16) {
    uint64_t bits = 0;
    while (bits == 0) bits = generator()();  // an all-zero id is invalid
    for (size_t i = 0; i < 16; i += 2) {
      const auto& pair = kHexPairs[bits & 0xff];
      out[offset + i] = pair[0];
      out[offset + i + 1] = pair[1];
      bits >>= 8;
    }
  }
}

bool validKeyChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*' || c == '/' || c == '@';
}

// key = simple-key / tenant@system; value = printable ASCII except ',' and '=', no trailing space.
bool validMember(std::string_view member) {
  while (!member.empty() && (member.front() == ' ' || member.front() == '\t')) member.remove_prefix(1);
  while (!member.empty() && (member.back() == ' ' || member.back() == '\t')) member.remove_suffix(1);
  const size_t equals = member.find('=');
  if (equals == std::string_view::npos || equals == 0 || equals > 256) return false;
  const std::string_view key = member.substr(0, equals);
  const std::string_view value = member.substr(equals + 1);
  if (!(key[0] >= 'a' && key[0] <= 'z') && !(key[0] >= '0' && key[0] <= '9')) return false;
  for (char c : key) {
    if (!validKeyChar(c)) return false;
  }
  if (value.empty() || value.size() > 256) return false;
  for (char c : value) {
    if (c < 0x20 || c > 0x7e || c == ',' || c == '=') return false;
  }
  return true;
}

}  // namespace

bool isValidHexId(std::string_view text, size_t size) {
  if (text.size() != size) return false;
  // One table load a character and no early exit: every service checks the 48 hex digits of every
  // call's traceparent (two range tests and a branch a character were ~15 instructions each).
  static constexpr auto kNotLowerHex = [] {
    std::array<uint8_t, 256> table{};
    for (int c = 0; c < 256; ++c) table[static_cast<size_t>(c)] = isLowerHex(static_cast<char>(c)) ? 0 : 1;
    return table;
  }();
  uint8_t invalid = 0;
  uint8_t nonZero = 0;
  for (const char c : text) {
    invalid |= kNotLowerHex[static_cast<unsigned char>(c)];
    nonZero |= static_cast<uint8_t>(c ^ '0');
  }
  return invalid == 0 && nonZero != 0;
}

bool isValidTraceState(std::string_view tracestate) {
  if (tracestate.size() > 512) return false;
  size_t members = 0;
  while (!tracestate.empty()) {
    const size_t comma = tracestate.find(',');
    const std::string_view member = tracestate.substr(0, comma);
    // Empty list members ("a=1,,b=2") are allowed and ignored.
    if (member.find_first_not_of(" \t") != std::string_view::npos) {
      if (!validMember(member) || ++members > 32) return false;
    }
    if (comma == std::string_view::npos) break;
    tracestate.remove_prefix(comma + 1);
  }
  return true;
}

std::optional<TraceContext> TraceContext::parse(std::string_view traceparent, std::string_view tracestate) {
  // version(2) "-" trace-id(32) "-" parent-id(16) "-" flags(2); a later version may append
  // "-..." fields, which a version-00 parser ignores.
  if (traceparent.size() < 55) return std::nullopt;
  const std::string_view version = traceparent.substr(0, 2);
  if (!isLowerHex(version[0]) || !isLowerHex(version[1]) || version == "ff") return std::nullopt;
  if (version == "00" ? traceparent.size() != 55 : (traceparent.size() > 55 && traceparent[55] != '-')) {
    return std::nullopt;
  }
  if (traceparent[2] != '-' || traceparent[35] != '-' || traceparent[52] != '-') return std::nullopt;
  const std::string_view traceId = traceparent.substr(3, 32);
  const std::string_view spanId = traceparent.substr(36, 16);
  const std::string_view flags = traceparent.substr(53, 2);
  if (!isValidHexId(traceId, 32) || !isValidHexId(spanId, 16)) return std::nullopt;
  if (!isLowerHex(flags[0]) || !isLowerHex(flags[1])) return std::nullopt;

  TraceContext context;
  traceId.copy(context.traceId_.data(), 32);
  spanId.copy(context.spanId_.data(), 16);
  context.flags_ = static_cast<uint8_t>(hexValue(flags[0]) * 16 + hexValue(flags[1]));
  if (!tracestate.empty() && isValidTraceState(tracestate)) context.traceState_.assign(tracestate);
  return context;
}

TraceContext TraceContext::newRoot(bool sampled) {
  TraceContext context;
  fillRandomHex(context.traceId_);
  fillRandomHex(context.spanId_);
  context.flags_ = sampled ? kSampledFlag : 0;
  return context;
}

TraceContext TraceContext::newChild() const {
  if (!valid()) return newRoot();
  TraceContext child = *this;
  fillRandomHex(child.spanId_);
  return child;
}

TraceContext TraceContext::withSampled(bool sampled) const {
  TraceContext copy = *this;
  copy.flags_ = sampled ? static_cast<uint8_t>(flags_ | kSampledFlag) : static_cast<uint8_t>(flags_ & ~kSampledFlag);
  return copy;
}

std::string TraceContext::traceparent() const {
  if (!valid()) return {};
  std::string out;
  out.reserve(55);
  out += "00-";
  out.append(traceId_.data(), traceId_.size());
  out += '-';
  out.append(spanId_.data(), spanId_.size());
  out += '-';
  out += kHexDigits[flags_ >> 4];
  out += kHexDigits[flags_ & 0xf];
  return out;
}

}  // namespace fleetdeck::telemetry
