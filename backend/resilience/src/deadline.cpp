#include "fleetdeck/resilience/deadline.h"

#include <charconv>

namespace fleetdeck::resilience {

std::chrono::milliseconds Deadline::remaining(TimePoint now) const {
  if (isNever()) return std::chrono::milliseconds::max();
  if (now >= at_) return std::chrono::milliseconds(0);
  return std::chrono::duration_cast<std::chrono::milliseconds>(at_ - now);
}

std::chrono::system_clock::time_point Deadline::toSystem(TimePoint now,
                                                         std::chrono::system_clock::time_point systemNow) const {
  if (isNever()) return std::chrono::system_clock::time_point::max();
  return systemNow + std::chrono::duration_cast<std::chrono::system_clock::duration>(remaining(now));
}

std::optional<std::chrono::milliseconds> parseTimeout(std::string_view text) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || value <= 0 || value > 86'400'000) return std::nullopt;
  const std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  if (unit == "ms") return std::chrono::milliseconds(value);
  if (unit == "s") return std::chrono::milliseconds(value * 1000);
  if (unit == "m") return std::chrono::milliseconds(value * 60'000);
  return std::nullopt;
}

}  // namespace fleetdeck::resilience
