// Keeps this gateway's token check in step with account changes: one ephemeral, ordered consumer
// per gateway instance on the users stream's UserAccessChanged events. Each makes the gateway refuse
// the user's access tokens issued before the change (a demotion, a disable, a new password), which
// would otherwise keep their old rights until they expire.
#pragma once

#include "adapters/access_tokens.h"
#include "fleetdeck/bus/connection.h"
#include "fleetdeck/bus/message.h"
#include "fleetdeck/bus/stream_tail.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::gateway {

// Applies one users-stream message to `tokens`. OK and nothing done for other event types;
// DATA_LOSS for a message that is not an envelope.
Status applyUserAccessMessage(const bus::ReceivedMessage& message, AccessTokens& tokens);

class UserAccessFeed {
 public:
  UserAccessFeed(bus::Bus& bus, AccessTokens& tokens);
  void start() { tail_.start(); }
  void stop() { tail_.stop(); }
  // Readiness detail: OK once subscribed.
  Status readiness() const;

 private:
  AccessTokens& tokens_;
  bus::StreamTail tail_;
};

}  // namespace fleetdeck::gateway
