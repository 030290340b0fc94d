#include "adapters/user_access_feed.h"

#include <google/protobuf/util/time_util.h>

#include "fleetdeck/bus/event.h"
#include "fleetdeck/bus/streams.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/users/v1/events.pb.h"

namespace fleetdeck::gateway {

Status applyUserAccessMessage(const bus::ReceivedMessage& message, AccessTokens& tokens) {
  auto envelope = bus::decodeEnvelope(message);
  if (!envelope) return envelope.status();
  if (!bus::holds<users::v1::UserAccessChanged>(*envelope)) return Status::ok();
  users::v1::UserAccessChanged changed;
  FLEETDECK_RETURN_IF_ERROR(bus::unpackPayload(*envelope, changed));
  if (changed.user_id().empty()) return invalidField("user_id", "UserAccessChanged carries no user id");
  tokens.refuseOlderThan(changed.user_id(), envelope->aggregate_version(),
                         google::protobuf::util::TimeUtil::TimestampToMicroseconds(envelope->occurred_at()));
  return Status::ok();
}

UserAccessFeed::UserAccessFeed(bus::Bus& bus, AccessTokens& tokens)
    : tokens_(tokens),
      tail_(bus,
            // One token lifetime back: a gateway that starts (or reconnects) after a change still
            // refuses the tokens issued before it that have not expired yet. The start time is
            // this host's clock against the NATS server's stored times: the margin covers a host
            // running minutes ahead, which would otherwise skip the newest changes (replaying
            // older ones too is harmless, their tokens have expired).
            bus::StreamTailOptions{.stream = bus::domainStream("users"),
                                   .filterSubject = "fleetdeck.users.v1.UserAccessChanged",
                                   .replayFor = tokens.options().ttl + tokens.options().leeway +
                                                std::chrono::minutes(10)},
            [this](const bus::ReceivedMessage& message) {
              if (Status status = applyUserAccessMessage(message, tokens_); !status.isOk()) {
                log::warn("account change not applied to the token check",
                          {{"subject", message.subject}, {"error", status.toString()}});
              }
            }) {}

Status UserAccessFeed::readiness() const {
  return tail_.subscribed() ? Status::ok() : unavailable("not subscribed to the users stream yet");
}

}  // namespace fleetdeck::gateway
