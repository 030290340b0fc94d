// The fleet's JetStream streams: one per domain on fleetdeck.<domain>.v1.>, and the dead-letter stream.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace fleetdeck::bus {

inline constexpr const char* kDeadLetterStream = "FLEETDECK_DLQ";
inline constexpr const char* kDeadLetterSubjectPrefix = "fleetdeck.dlq";

struct StreamSpec {
  std::string name;                   // FLEETDECK_USERS
  std::vector<std::string> subjects;  // fleetdeck.users.v1.>
  std::string description;
  // How long the stream drops a repeated Nats-Msg-Id. An outbox relay re-sends a row it already
  // published when marking it sent failed (a crash, or the database down after the PubAck), which
  // can be long after: an hour covers most outages at the cost of the server remembering an hour of
  // ids. Beyond it, consumers still apply an event once (processed_events, by event id).
  std::chrono::milliseconds duplicateWindow{std::chrono::hours(1)};
  // Messages older than this are discarded (0: kept until limits say otherwise).
  std::chrono::milliseconds maxAge{std::chrono::hours(24 * 7)};
  // Stored on disk (the only storage the fleet uses).
  bool fileStorage = true;
};

// "users" -> FLEETDECK_USERS on fleetdeck.users.v1.>. Domain names are lower-case letters only.
StreamSpec domainStream(std::string_view domain);
// FLEETDECK_DLQ on fleetdeck.dlq.>: dead letters kept 14 days.
StreamSpec deadLetterStream();

// "fleetdeck.users.v1.UserRegistered" -> "users"; empty when the subject is not a domain event's.
std::string domainOfSubject(std::string_view subject);
// The stream a domain subject lives in: "fleetdeck.users.v1.UserRegistered" -> "FLEETDECK_USERS".
std::string streamForSubject(std::string_view subject);
// Where a consumer's dead letters go: "fleetdeck.dlq.<durable>".
std::string deadLetterSubject(std::string_view durable);

}  // namespace fleetdeck::bus
