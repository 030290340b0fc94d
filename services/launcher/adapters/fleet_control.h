// The launcher's control endpoint: a loopback HTTP port through which the gateway stops and starts
// services of the local fleet. Every request carries the control token the launcher generated into
// the data folder's secrets (0600); the supervisor thread carries the requests out.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fleetdeck/core/status.h"
#include "fleetdeck/http/router.h"
#include "fleetdeck/http/server.h"

namespace fleetdeck::launcher {

// One authenticated request waiting for the supervisor: POST /v1/services/{service}:{action}.
struct ControlRequest {
  std::string service;
  std::string action;  // "stop" or "start"
  std::string traceId;
  std::shared_ptr<http::Responder> responder;
};

class FleetControl {
 public:
  explicit FleetControl(std::string token);
  ~FleetControl();
  FleetControl(const FleetControl&) = delete;
  FleetControl& operator=(const FleetControl&) = delete;

  // Binds a free port on 127.0.0.1.
  Status start();
  uint16_t port() const;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()); }
  // Stops serving; requests not yet taken are answered 503.
  void stop();
  // Requests that arrived since the last call, oldest first. The caller answers each one.
  std::vector<ControlRequest> takePending();

 private:
  void handle(http::HttpRequest& request, std::shared_ptr<http::Responder> responder);
  void enqueue(http::HttpRequest& request, std::shared_ptr<http::Responder> responder, std::string action);

  std::string token_;
  http::Router router_;
  std::unique_ptr<http::HttpServer> server_;
  std::mutex mutex_;
  std::vector<ControlRequest> pending_;
  bool stopped_ = false;
};

}  // namespace fleetdeck::launcher
