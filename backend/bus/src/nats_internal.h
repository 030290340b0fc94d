// libnats plumbing shared by the bus sources: the connection's private state and status mapping.
#pragma once

#include <nats/nats.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "fleetdeck/bus/connection.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::bus {

struct Bus::Impl {
  BusOptions options;
  natsOptions* natsOpts = nullptr;
  natsConnection* connection = nullptr;
  jsCtx* js = nullptr;

  std::mutex streamsMutex;
  std::vector<StreamSpec> streams;
  // Set on (re)connect: declared streams are declared again before the next publish.
  std::atomic<bool> topologyDirty{true};
  std::chrono::steady_clock::time_point nextDeclareAttempt;  // under streamsMutex
  std::map<std::string, std::string> declareErrors;           // stream -> last error logged; under streamsMutex
  std::atomic<uint64_t> reconnects{0};

  // publishAll(): its own JetStream context, whose ack handler files each message's outcome under
  // its Nats-Msg-Id. One batch at a time (batchMutex).
  struct AsyncOutcome {
    Status status;
    std::string stream;
    bool duplicate = false;
  };
  struct AsyncOutcomes {
    std::mutex mutex;
    std::map<std::string, AsyncOutcome> byMsgId;
  };
  std::mutex batchMutex;
  jsCtx* asyncJs = nullptr;
  AsyncOutcomes asyncOutcomes;

  std::mutex closedMutex;
  std::condition_variable closedSignal;
  bool closed = false;
  // Set before this process closes the connection itself: the disconnect libnats then reports is
  // not a lost server and must not be logged as one.
  bool closing = false;

  ~Impl();
  // The JetStream call options every request uses (request timeout).
  jsOptions requestOptions() const;
  // Declares every remembered stream when the topology is dirty, each on its own: one that cannot be
  // declared (a changed setting the server refuses to update) is logged and tried again later, at
  // most once a second unless `force`, and holds up no other. Callers learn of a missing stream from
  // their own operation (no responders, stream not found).
  void declareStreamsIfNeeded(bool force = false);
  Status addOrUpdateStream(const StreamSpec& spec);
};

// Subject, headers and data of a libnats message (no JetStream metadata).
ReceivedMessage messageFromNats(natsMsg* msg);

// The Status for a libnats result: connection trouble -> UNAVAILABLE, timeout -> DEADLINE_EXCEEDED, …
// `during` says what was being done ("publishing to fleetdeck.users.v1.UserRegistered").
Status statusFromNats(natsStatus status, const std::string& during, jsErrCode errorCode = static_cast<jsErrCode>(0));

}  // namespace fleetdeck::bus
