// The metrics and SERVER span of one served call, recorded by RpcServer's own call objects (its
// async services, health and unknown methods; services added with addService record nothing).
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "fleetdeck/telemetry/metrics.h"
#include "fleetdeck/telemetry/tracing.h"

namespace fleetdeck::rpc::detail {

struct MethodMetrics;
class MethodMetricsCache;

// One server's metric families (grpc_server_*, fleetdeck_requests_total) and its methods' series.
class ServerTelemetry {
 public:
  explicit ServerTelemetry(telemetry::Registry& registry = telemetry::defaultRegistry());
  ~ServerTelemetry();

  // "/package.Service/Method": a bound method's series, looked up once at start.
  MethodMetrics& method(const std::string& fullName);
  // A generic call's (health, unknown methods): looked up per call; made-up names share one series
  // past a limit.
  MethodMetrics& calledAs(const std::string& fullName);

 private:
  friend class ServerCallRecord;
  struct Families;
  std::unique_ptr<Families> families_;
};

class ServerCallRecord {
 public:
  ServerCallRecord() = default;
  ServerCallRecord(const ServerCallRecord&) = delete;
  ServerCallRecord& operator=(const ServerCallRecord&) = delete;
  // A call torn down without a status (the server shutting down under it) still counts.
  ~ServerCallRecord();

  // When the call arrives: starts its clock and, for the fleet's own services, its span, continuing
  // the caller's `traceparent`. From then on the call's `traceparent` metadata names this span, so
  // what the handler passes on (callContextFrom, runBlocking) makes its children.
  void start(ServerTelemetry& telemetry, MethodMetrics& method,
             std::multimap<grpc::string_ref, grpc::string_ref>& clientMetadata);
  // Counts the call and ends the span, once.
  void finish(grpc::StatusCode code, const std::string& message);

 private:
  ServerTelemetry* telemetry_ = nullptr;
  MethodMetrics* method_ = nullptr;
  std::chrono::steady_clock::time_point started_;
  telemetry::Span span_;
  std::string traceparent_;  // the metadata points here
  bool finished_ = false;
};

}  // namespace fleetdeck::rpc::detail
