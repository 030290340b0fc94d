// Deadlines: an absolute point by which work must finish, carried from the client's request to
// every upstream call so that nobody keeps working for an answer no one waits for any more.
#pragma once

#include <chrono>
#include <optional>
#include <string_view>

#include "fleetdeck/resilience/clock.h"

namespace fleetdeck::resilience {

class Deadline {
 public:
  static Deadline after(std::chrono::milliseconds budget, TimePoint now) { return Deadline(now + budget); }
  static Deadline never() { return Deadline(TimePoint::max()); }

  TimePoint at() const { return at_; }
  bool isNever() const { return at_ == TimePoint::max(); }
  bool expired(TimePoint now) const { return now >= at_; }
  // Zero once passed; never negative.
  std::chrono::milliseconds remaining(TimePoint now) const;
  // The earlier of the two.
  Deadline min(const Deadline& other) const { return at_ <= other.at_ ? *this : other; }
  // The wall-clock equivalent, for APIs that take system_clock deadlines (gRPC).
  std::chrono::system_clock::time_point toSystem(TimePoint now, std::chrono::system_clock::time_point systemNow) const;

 private:
  explicit Deadline(TimePoint at) : at_(at) {}
  TimePoint at_;
};

// Parses a client's timeout such as "250ms", "2s" or "1m" (the X-Request-Timeout header);
// nullopt for anything else, including zero and negative values.
std::optional<std::chrono::milliseconds> parseTimeout(std::string_view text);

}  // namespace fleetdeck::resilience
