// Metrics and tracing for any HTTP server, as a decorator around its handler, so backend/http stays
// free of telemetry (and telemetry free of HTTP): http_requests_total{route,method,code},
// http_request_duration_seconds{route,method}, fleetdeck_requests_total{protocol="http"}, and a
// SERVER span per request that continues the client's `traceparent`.
//
//   http::HttpServer server(options, host::instrumentHttp(handler));
#pragma once

#include <string>
#include <vector>

#include "fleetdeck/http/router.h"
#include "fleetdeck/telemetry/metrics.h"

namespace fleetdeck::host {

struct HttpInstrumentationOptions {
  // http_requests_total and http_request_duration_seconds.
  bool metrics = true;
  // A SERVER span per request. While the inner handler runs, its context is the thread's current
  // one, so gRPC calls it starts are children; the request's `traceparent` header, traceId and
  // traceparent fields are set to it, so handlers that read them agree with the exported trace.
  bool tracing = true;
  // Whether an incoming traceparent's sampled flag decides if the request is recorded (W3C; right
  // between the fleet's own processes). The fleet's edge (the gateway) sets false: a client's trace
  // id is still kept, but whether to record is decided as for a new trace, or a flood of '-01'
  // requests would bypass [tracing] sample_ratio and max_new_traces_per_second.
  bool trustIncomingSampling = true;
  // Also count the request in fleetdeck_requests_total (the service's traffic in the console);
  // off for the admin port, whose probes and scrapes are not the service's work.
  bool serviceTraffic = true;
  // Route templates whose requests are counted but not timed: long-lived streams (Server-Sent
  // Events) would otherwise read as very slow requests.
  std::vector<std::string> untimedRoutes;
  // Request paths never recorded as traces, whatever the sampler or a traceparent says: an entry
  // ending in '/' is a prefix, any other the whole path. Their requests still get a trace id (logs,
  // X-Trace-Id, propagation with flag 00) and are counted and timed. For what a dashboard polls
  // every few seconds: recorded, it would fill the bounded trace store and the console's Traces page
  // with the console's own requests, and spend the new-trace rate cap (`max_new_traces_per_second`).
  std::vector<std::string> untracedPaths;
  telemetry::Registry* registry = nullptr;  // nullptr: the default registry
};

// Wraps `inner`. Labels use request.routeTemplate as the inner handler (a Router) set it — a
// template, never a raw path, so label values stay bounded; requests no route matched are
// labelled route="unmatched". The response is recorded when it is sent, from whichever thread.
http::Handler instrumentHttp(http::Handler inner, HttpInstrumentationOptions options = {});

}  // namespace fleetdeck::host
