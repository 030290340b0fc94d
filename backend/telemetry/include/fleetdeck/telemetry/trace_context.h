// W3C Trace Context (https://www.w3.org/TR/trace-context/): parsing and producing `traceparent` and
// `tracestate`, and fresh trace and span ids.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace fleetdeck::telemetry {

// Where a span sits: its trace id, its own span id, the sampled flag and the vendors' tracestate.
// Ids are kept as lower-case hex, the form every wire format (traceparent, OTLP JSON, logs) uses.
class TraceContext {
 public:
  static constexpr uint8_t kSampledFlag = 0x01;

  TraceContext() = default;

  // Parses a traceparent header value. nullopt when it is malformed in any way the spec says
  // must discard it (bad length or hex, version ff, all-zero ids, upper-case hex): the receiver
  // then starts a new trace. `tracestate` is kept only when it is well formed.
  static std::optional<TraceContext> parse(std::string_view traceparent, std::string_view tracestate = {});

  // A new trace (random trace and span id), sampled unless told otherwise.
  static TraceContext newRoot(bool sampled = true);
  // A new span in the same trace: same trace id, flags and tracestate, a new span id.
  TraceContext newChild() const;
  // The same context with the sampled flag set to `sampled` (the other flags kept).
  TraceContext withSampled(bool sampled) const;

  bool valid() const { return traceId_[0] != 0; }
  bool sampled() const { return (flags_ & kSampledFlag) != 0; }
  uint8_t flags() const { return flags_; }
  std::string_view traceId() const { return {traceId_.data(), traceId_.size()}; }
  std::string_view spanId() const { return {spanId_.data(), spanId_.size()}; }
  const std::string& traceState() const { return traceState_; }

  // "00-<trace id>-<span id>-<flags>": what the next hop receives as its parent.
  std::string traceparent() const;

 private:
  std::array<char, 32> traceId_{};
  std::array<char, 16> spanId_{};
  uint8_t flags_ = 0;
  std::string traceState_;
};

// True for `size` lower-case hex digits that are not all zero (a valid W3C/OTLP id).
bool isValidHexId(std::string_view text, size_t size);
// True when `tracestate` follows the W3C list syntax (at most 32 key=value members, 512 bytes).
bool isValidTraceState(std::string_view tracestate);

// Header and metadata names (lower case, as gRPC metadata requires).
inline constexpr const char* kTraceparentHeader = "traceparent";
inline constexpr const char* kTracestateHeader = "tracestate";

}  // namespace fleetdeck::telemetry
