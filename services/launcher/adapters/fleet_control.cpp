#include "adapters/fleet_control.h"

#include "fleetdeck/core/ids.h"
#include "fleetdeck/core/log.h"

namespace fleetdeck::launcher {
namespace {

// Compares without an early exit, so the answer time tells nothing about how much of a guess matched.
bool sameSecret(std::string_view given, std::string_view expected) {
  if (expected.empty() || given.size() != expected.size()) return false;
  unsigned char difference = 0;
  for (size_t i = 0; i < given.size(); ++i) difference |= static_cast<unsigned char>(given[i] ^ expected[i]);
  return difference == 0;
}

}  // namespace

FleetControl::FleetControl(std::string token) : token_(std::move(token)) {
  router_.add("POST", "/v1/services/{name}:stop",
              [this](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
                enqueue(request, std::move(responder), "stop");
              });
  router_.add("POST", "/v1/services/{name}:start",
              [this](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
                enqueue(request, std::move(responder), "start");
              });
}

FleetControl::~FleetControl() { stop(); }

Status FleetControl::start() {
  http::ServerOptions options;
  options.address = "127.0.0.1";
  options.port = 0;
  options.threads = 1;
  options.bodyLimitBytes = 4096;
  options.serverName = "fleetdeck-launcher";
  server_ = std::make_unique<http::HttpServer>(
      options, [this](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
        handle(request, std::move(responder));
      });
  return server_->start();
}

uint16_t FleetControl::port() const { return server_ ? server_->port() : 0; }

void FleetControl::stop() {
  if (server_) {
    server_->stop(std::chrono::milliseconds(500));
    server_.reset();
  }
  std::vector<ControlRequest> left;
  {
    std::lock_guard lock(mutex_);
    stopped_ = true;
    left.swap(pending_);
  }
  for (auto& request : left) {
    request.responder->send(http::errorResponse(unavailable("the local fleet is stopping"), request.traceId));
  }
}

std::vector<ControlRequest> FleetControl::takePending() {
  std::lock_guard lock(mutex_);
  std::vector<ControlRequest> taken;
  taken.swap(pending_);
  return taken;
}

void FleetControl::handle(http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
  if (request.traceId.empty()) request.traceId = randomHex(16);
  const std::string_view authorization = request.header("Authorization").value_or("");
  constexpr std::string_view kBearer = "Bearer ";
  if (!authorization.starts_with(kBearer) || !sameSecret(authorization.substr(kBearer.size()), token_)) {
    log::warn("control request refused: missing or wrong token", {{"path", request.path}, {"from", request.remoteAddress}});
    responder->send(http::errorResponse(unauthenticated("send Authorization: Bearer <the launcher's control token>"),
                                        request.traceId));
    return;
  }
  router_.dispatch(request, std::move(responder));
}

void FleetControl::enqueue(http::HttpRequest& request, std::shared_ptr<http::Responder> responder, std::string action) {
  ControlRequest queued{std::string(request.pathParam("name").value_or("")), std::move(action), request.traceId,
                        std::move(responder)};
  std::unique_lock lock(mutex_);
  if (stopped_) {
    lock.unlock();
    queued.responder->send(http::errorResponse(unavailable("the local fleet is stopping"), queued.traceId));
    return;
  }
  pending_.push_back(std::move(queued));
}

}  // namespace fleetdeck::launcher
