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
  // How long the stream drops a repeated Nats-Msg-Id. Must exceed the longest time an outbox relay
  // may re-send a row it already published (a crash between PubAck and marking the row sent).
  std::chrono::milliseconds duplicateWindow{std::chrono::minutes(2)};
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
