#include "fleetdeck/bus/streams.h"

#include <algorithm>
#include <cctype>

namespace fleetdeck::bus {

StreamSpec domainStream(std::string_view domain) {
  StreamSpec spec;
  std::string upper(domain);
  std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
  spec.name = "FLEETDECK_" + upper;
  spec.subjects = {"fleetdeck." + std::string(domain) + ".v1.>"};
  spec.description = "FleetDeck " + std::string(domain) + " domain events";
  return spec;
}

StreamSpec deadLetterStream() {
  StreamSpec spec;
  spec.name = kDeadLetterStream;
  spec.subjects = {std::string(kDeadLetterSubjectPrefix) + ".>"};
  spec.description = "FleetDeck dead letters: messages consumers gave up on, with the reason";
  spec.maxAge = std::chrono::hours(24 * 14);
  return spec;
}

std::string domainOfSubject(std::string_view subject) {
  constexpr std::string_view kPrefix = "fleetdeck.";
  if (!subject.starts_with(kPrefix)) return {};
  subject.remove_prefix(kPrefix.size());
  const size_t dot = subject.find('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  if (!subject.substr(dot + 1).starts_with("v1.")) return {};
  return std::string(subject.substr(0, dot));
}

std::string streamForSubject(std::string_view subject) {
  const std::string domain = domainOfSubject(subject);
  if (domain.empty()) return {};
  return domainStream(domain).name;
}

std::string deadLetterSubject(std::string_view durable) {
  return std::string(kDeadLetterSubjectPrefix) + "." + std::string(durable);
}

}  // namespace fleetdeck::bus
