// gateway: the fleet's REST front door. Routes come from the proto http options; composition only.
#include "adapters/access_tokens.h"
#include "adapters/alert_acknowledgements.h"
#include "adapters/alert_watcher.h"
#include "adapters/dead_letter_desk.h"
#include "adapters/fleet_monitor.h"
#include "adapters/order_event_feed.h"
#include "adapters/rest_gateway.h"
#include "adapters/upstreams.h"
#include "adapters/user_access_feed.h"
#include "domain/admin_events.h"
#include "domain/api_catalogue.h"
#include "domain/rest_mapping.h"
#include "fleetdeck/auth/key_ring.h"
#include "fleetdeck/bus/service_bus.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/host/http_instrumentation.h"
#include "fleetdeck/host/service_host.h"
#include "fleetdeck/http/server.h"
#include "fleetdeck/telemetry/trace_store.h"

using namespace fleetdeck;

namespace {

// The shortest deadline a configured call (to a service, to Prometheus, a readiness probe) may
// have: at 0 every call fails at once (a 504 for every proxied request) and the gateway looks fine.
constexpr std::chrono::milliseconds kShortestCallTimeout{10};

resilience::RateLimit rateLimit(Config& config, const std::string& prefix, double perSecond, double burst) {
  return {config.getDouble(prefix + "_per_second", perSecond, 0, 1e6), config.getDouble(prefix + "_burst", burst, 1, 1e6)};
}

}  // namespace

int main(int argc, char** argv) {
  // The trace store must outlive the host, whose span processor may still write into it while the
  // host goes away; so it is declared first and filled in once the config is read.
  std::unique_ptr<telemetry::TraceStore> traceStore;
  auto host = host::ServiceHost::create(argc, argv, "gateway", "FleetDeck API gateway: REST/JSON in, gRPC out.");
  if (host->migrateOnly()) host->fail(invalidArgument("the gateway has no database to migrate"), "--migrate-only");
  Config& config = host->config();

  http::ServerOptions httpOptions;
  httpOptions.address = config.getString("http.address", "127.0.0.1");
  httpOptions.port = static_cast<uint16_t>(config.getInt("http.port", 8080, 0, 65535));
  httpOptions.threads = static_cast<unsigned>(config.getInt("http.threads", 0, 0, 256));
  httpOptions.bodyLimitBytes = static_cast<size_t>(config.getInt("http.body_limit_bytes", 1 << 20, 1024, 64 << 20));
  httpOptions.headerLimitBytes = static_cast<size_t>(config.getInt("http.header_limit_bytes", 16 << 10, 1024, 1 << 20));
  httpOptions.readTimeout = config.getDuration("http.read_timeout", std::chrono::seconds(10));
  httpOptions.idleTimeout = config.getDuration("http.idle_timeout", std::chrono::seconds(60));
  httpOptions.maxConnections = static_cast<size_t>(config.getInt("http.max_connections", 4096, 16, 1 << 20));
  httpOptions.serverName = "fleetdeck-gateway";

  gateway::GatewayOptions gatewayOptions;
  gatewayOptions.upstreamTimeout = config.getDuration("gateway.upstream_timeout", std::chrono::seconds(5), kShortestCallTimeout);
  gatewayOptions.limits.maxJsonDepth = static_cast<int>(config.getInt("gateway.max_json_depth", 32, 2, 256));
  gatewayOptions.maxPageSize = static_cast<int>(config.getInt("gateway.max_page_size", 200, 1, 10'000));
  gatewayOptions.gzipMinBytes = static_cast<size_t>(config.getInt("gateway.gzip_min_bytes", 1024, 0, 1 << 30));
  gatewayOptions.accessLog = config.getBool("gateway.access_log", true);
  // Abuse limits: token buckets per client address and per signed-in user (0 disables one).
  gatewayOptions.perAddress = rateLimit(config, "limits.per_address", 100, 200);
  gatewayOptions.perUser = rateLimit(config, "limits.per_user", 50, 100);
  // Behind an ingress every client arrives from the ingress's address: name it here, and the client
  // is read from X-Forwarded-For (only when the peer is one of these, so clients cannot spoof it).
  auto trustedProxies =
      gateway::TrustedProxies::parse(config.getStringList("gateway.trusted_proxies", {}), "gateway.trusted_proxies");
  if (!trustedProxies) host->fail(trustedProxies.status(), "reading the configuration");
  gatewayOptions.trustedProxies = std::move(*trustedProxies);
  gatewayOptions.cors.allowedOrigins = config.getStringList("cors.allowed_origins", {});
  // The console's charts and alerts, proxied so it needs only the gateway's address and a token.
  gatewayOptions.prometheusUrl = config.getString("prometheus.url", "");
  gatewayOptions.prometheusTimeout = config.getDuration("prometheus.timeout", std::chrono::seconds(10), kShortestCallTimeout);
  gatewayOptions.prometheusMaxConnections =
      static_cast<size_t>(config.getInt("prometheus.max_connections", 64, 1, 100'000));
  gatewayOptions.prometheusMaxResponseBytes =
      static_cast<size_t>(config.getInt("prometheus.max_response_bytes", 16 << 20, 1 << 16, 256 << 20));
  gatewayOptions.streamHeartbeat = config.getDuration("stream.heartbeat_interval", std::chrono::seconds(15), std::chrono::milliseconds(50));
  gatewayOptions.streamMaxQueuedBytes =
      static_cast<size_t>(config.getInt("stream.max_queued_bytes", 1 << 20, 4096, 64 << 20));
  gatewayOptions.streamMaxPerUser = static_cast<int>(config.getInt("stream.max_per_user", 8, 1, 10'000));
  gatewayOptions.streamMaxTotal = static_cast<int>(config.getInt("stream.max_total", 256, 1, 100'000));
  const auto streamBuffer = static_cast<size_t>(config.getInt("stream.buffer_events", 4096, 16, 1'000'000));
  // Local fleet only (the launcher sets both): POST /api/v1/admin/services/{name}:stop|:start.
  gatewayOptions.localFleetControlUrl = config.getString("local_fleet.control_url", "");
  gatewayOptions.localFleetControlTokenFile = config.getString("local_fleet.control_token_file", "");

  // Access tokens: the gateway signs and verifies them; the key file is created 0600 on first start.
  auth::KeyFileOptions keyFile;
  keyFile.path = config.getString("auth.key_file", "var/secrets/jwt-keys.json");
  const std::string algorithmName = config.getString("auth.algorithm", "HS256");
  keyFile.rotateAfter = std::chrono::duration_cast<std::chrono::seconds>(
      config.getDuration("auth.rotate_after", std::chrono::hours(24 * 30)));
  keyFile.keepPrevious = static_cast<size_t>(config.getInt("auth.keep_previous_keys", 1, 0, 16));
  gateway::AccessTokenOptions tokenOptions;
  tokenOptions.issuer = config.getString("auth.issuer", "fleetdeck");
  tokenOptions.audience = config.getString("auth.audience", "fleetdeck-api");
  tokenOptions.ttl = std::chrono::duration_cast<std::chrono::seconds>(
      config.getDuration("auth.access_token_ttl", std::chrono::minutes(15), std::chrono::seconds(1)));
  tokenOptions.leeway = std::chrono::duration_cast<std::chrono::seconds>(
      config.getDuration("auth.clock_leeway", std::chrono::seconds(30)));
  tokenOptions.verifiedCacheEntries =
      static_cast<size_t>(config.getInt("auth.verified_token_cache", 4096, 0, 1'000'000));

  // Resilience per upstream instance.
  gateway::UpstreamOptions upstreamOptions;
  upstreamOptions.breaker.failureThreshold = static_cast<int>(config.getInt("resilience.breaker_failures", 5, 1, 1000));
  upstreamOptions.breaker.openDuration = config.getDuration("resilience.breaker_open_for", std::chrono::seconds(5));
  upstreamOptions.retry.maxAttempts = static_cast<int>(config.getInt("resilience.max_attempts", 3, 1, 10));
  upstreamOptions.retry.backoff.initial = config.getDuration("resilience.backoff_initial", std::chrono::milliseconds(25));
  upstreamOptions.retry.backoff.max = config.getDuration("resilience.backoff_max", std::chrono::milliseconds(250));
  upstreamOptions.budget.ratio = config.getDouble("resilience.retry_budget_ratio", 0.2, 0, 10);
  // Upstream name (the <domain> of fleetdeck.<domain>.v1) -> gRPC address(es), comma-separated.
  const auto upstreamAddresses = config.getStringTable("upstreams");
  // Metrics and a span per request; off only to measure what they cost (./fleetdeck bench).
  const bool instrumentRequests = config.getBool("http.instrument", true);

  // The event bus ([nats] url empty: no registry, no live order events; static upstreams only).
  const auto busConfig = bus::serviceBusConfigFromConfig(config, host->serviceName(), host->instanceId());
  const std::string adminHost = config.getString("admin.address", "127.0.0.1");
  // The fleet view: registry + /readyz + Prometheus `up` + breakers, polled this often.
  gateway::FleetMonitorOptions fleetOptions;
  fleetOptions.pollInterval = config.getDuration("fleet.poll_interval", std::chrono::seconds(5), std::chrono::milliseconds(50));
  fleetOptions.probeTimeout = config.getDuration("fleet.probe_timeout", std::chrono::seconds(1), kShortestCallTimeout);
  fleetOptions.rules.lateHeartbeatMicros =
      std::chrono::duration_cast<std::chrono::microseconds>(
          config.getDuration("fleet.late_heartbeat", std::chrono::seconds(11)))
          .count();
  fleetOptions.prometheusUrl = gatewayOptions.prometheusUrl;
  fleetOptions.staticAddresses = upstreamAddresses;
  for (const auto& [name, address] : upstreamAddresses) fleetOptions.knownServices.push_back(name);
  // Prometheus alerts turned into the stream's `alert` events.
  gateway::AlertWatcherOptions alertOptions;
  alertOptions.prometheusUrl = gatewayOptions.prometheusUrl;
  alertOptions.pollInterval = config.getDuration("alerts.poll_interval", std::chrono::seconds(5), std::chrono::milliseconds(50));
  gateway::AlertAcknowledgementOptions acknowledgementOptions;
  acknowledgementOptions.bucket = config.getString("alerts.acknowledgement_bucket", acknowledgementOptions.bucket);
  acknowledgementOptions.maxAge = config.getDuration("alerts.acknowledgement_max_age", acknowledgementOptions.maxAge);
  // The built-in OTLP/HTTP receiver (POST /v1/traces on the admin port) and its bounded store.
  const bool hostTraceStore = config.getBool("traces.enabled", true);
  telemetry::TraceStoreOptions traceOptions;
  traceOptions.maxSpans = static_cast<size_t>(config.getInt("traces.max_spans", 10'000, 100, 10'000'000));
  traceOptions.maxTraces = static_cast<size_t>(config.getInt("traces.max_traces", 2'000, 10, 1'000'000));
  traceOptions.maxSpansPerTrace = static_cast<size_t>(config.getInt("traces.max_spans_per_trace", 1'000, 10, 100'000));
  host->finishConfig();

  const auto algorithm = auth::parseAlgorithm(algorithmName);
  if (!algorithm) host->fail(invalidField("auth.algorithm", "must be HS256, EdDSA or RS256"), "reading the config");
  keyFile.algorithm = *algorithm;
  auto keys = auth::loadOrCreateKeyFile(keyFile, auth::unixNow());
  if (!keys) host->fail(keys.status(), "loading the token signing keys");
  log::info("token keys ready", {{"key_file", keyFile.path.string()}, {"kid", keys->current().kid()},
                                 {"algorithm", algorithmName}});
  gateway::AccessTokens tokens(std::move(*keys), tokenOptions);

  auto mappings = gateway::collectRestMappings(gateway::publicApiFiles());
  if (!mappings) host->fail(mappings.status(), "reading the REST mappings from proto");
  // The admin stream's feed, its ids in a block of this process's own.
  gateway::AdminEventSource adminEvents(streamBuffer, gateway::AdminEventSource::processFirstId());
  // Breaker transitions are fleet changes the console shows live. `instance` is the address, which
  // the console does not know as an instance id: it reloads the fleet view, which the monitor
  // recomputes at once.
  std::atomic<gateway::FleetMonitor*> fleetMonitorForBreakers{nullptr};
  upstreamOptions.onBreakerChange = [&adminEvents, &fleetMonitorForBreakers](const gateway::InstanceState& state) {
    const bool closed = state.breaker == resilience::BreakerState::kClosed;
    adminEvents.publish("fleet.change", boost::json::serialize(boost::json::object{
                                            {"service", state.upstream},
                                            {"instance", state.address},
                                            {"status", closed ? "up" : "degraded"},
                                            {"kind", "circuit_breaker"},
                                            {"upstream", state.upstream},
                                            {"upstreamInstance", state.address},
                                            {"state", resilience::breakerStateName(state.breaker)}}));
    if (auto* monitor = fleetMonitorForBreakers.load()) monitor->wake();
  };
  gateway::Upstreams upstreams(upstreamAddresses, upstreamOptions);
  gateway::RestGateway restGateway(std::move(*mappings), upstreams, tokens, adminEvents, gatewayOptions);

  // The fleet's trace collector: services export OTLP/HTTP JSON to this gateway's admin port (the
  // launcher points OTEL_EXPORTER_OTLP_ENDPOINT here); the gateway's own spans go straight in.
  if (hostTraceStore) {
    traceStore = std::make_unique<telemetry::TraceStore>(traceOptions);
    host->serveTraceStore(*traceStore);
    restGateway.setTraceStore(traceStore.get());
    // This replica's part of a trace and of the trace list, for the other replicas (setTracePeers).
    host->addAdminRoute("GET", "/traces", [&restGateway](http::HttpRequest& request,
                                                         std::shared_ptr<http::Responder> responder) {
      restGateway.localTraceList(request, std::move(responder));
    });
    host->addAdminRoute("GET", "/traces/{traceId}", [&restGateway](http::HttpRequest& request,
                                                                   std::shared_ptr<http::Responder> responder) {
      restGateway.localTrace(request, std::move(responder));
    });
    // Round 2 of the trace list across replicas: this replica's parts of the candidates.
    host->addAdminRoute("POST", "/trace-parts", [&restGateway](http::HttpRequest& request,
                                                               std::shared_ptr<http::Responder> responder) {
      restGateway.localTraceParts(request, std::move(responder));
    });
  }

  // The bus: this instance in the registry, the registry watched for the fleet view and the
  // upstreams, and the orders stream tailed for the admin stream.
  std::unique_ptr<bus::ServiceBus> eventBus;
  std::unique_ptr<bus::RegistryWatcher> registry;
  std::unique_ptr<gateway::OrderEventFeed> orderFeed;
  std::unique_ptr<gateway::UserAccessFeed> accessFeed;
  if (busConfig.enabled()) {
    auto connected = bus::ServiceBus::connect(busConfig);
    if (!connected) host->fail(connected.status(), "connecting to NATS");
    eventBus = std::move(*connected);
    registry = std::make_unique<bus::RegistryWatcher>(eventBus->bus(), busConfig.registry);
    orderFeed = std::make_unique<gateway::OrderEventFeed>(eventBus->bus(), adminEvents);
    accessFeed = std::make_unique<gateway::UserAccessFeed>(eventBus->bus(), tokens);
  } else {
    host->setInfo("nats", "disabled ([nats] url is empty): static upstreams, no live order events");
  }
  gateway::FleetMonitor fleetMonitor(registry.get(), upstreams, adminEvents, fleetOptions);
  fleetMonitorForBreakers.store(&fleetMonitor);
  restGateway.setFleetView([&fleetMonitor] { return fleetMonitor.fleetJson(); });
  restGateway.setUpstreamHealth([&fleetMonitor] { return fleetMonitor.upstreamHealth(); });
  // Shared by every replica through NATS; without it, this process's own.
  gateway::AlertAcknowledgements alertAcknowledgements(eventBus ? &eventBus->bus() : nullptr, acknowledgementOptions);
  gateway::AlertWatcher alertWatcher(adminEvents, alertOptions, &alertAcknowledgements);
  restGateway.setAlerts(&alertAcknowledgements, &alertWatcher);
  std::optional<gateway::DeadLetterDesk> deadLetters;
  if (eventBus) restGateway.setDeadLetters(&deadLetters.emplace(eventBus->bus()));

  if (registry && hostTraceStore) {
    // Services export spans to any gateway replica (through a load-balanced address): a trace's
    // spans are spread over the replicas, so a lookup asks the others found in the registry. Set
    // before the server starts (its threads read it); until the watcher has started and read the
    // bucket, instancesOf() is empty and a lookup is this replica's own.
    restGateway.setTracePeers([&registry, &host] {
      std::vector<std::string> peers;
      for (const auto& instance : registry->instancesOf(host->serviceName())) {
        if (instance.instanceId != host->instanceId() && !instance.adminAddress.empty()) {
          peers.push_back(instance.adminAddress);
        }
      }
      return peers;
    });
  }

  http::Handler handler = [&restGateway](http::HttpRequest& request, std::shared_ptr<http::Responder> responder) {
    restGateway.handle(request, std::move(responder));
  };
  if (instrumentRequests) {
    host::HttpInstrumentationOptions instrumentation;
    instrumentation.untimedRoutes = {"/api/v1/admin/stream"};
    // What the console polls, and looking at traces: not traces of the fleet's work (docs/observability.md).
    instrumentation.untracedPaths = {"/api/v1/health",        "/api/v1/admin/fleet",  "/api/v1/admin/stream",
                                     "/api/v1/admin/metrics/", "/api/v1/admin/alerts", "/api/v1/admin/alerts/acknowledgements",
                                     "/api/v1/admin/rules",   "/api/v1/admin/traces", "/api/v1/admin/traces/"};
    instrumentation.trustIncomingSampling = false;  // the fleet's edge: clients do not decide what is recorded
    handler = host::instrumentHttp(std::move(handler), std::move(instrumentation));
  }
  http::HttpServer server(httpOptions, std::move(handler));
  if (auto started = server.start(); !started.isOk()) host->fail(started, "starting the HTTP server");
  host->setInfo("httpAddress", httpOptions.address + ":" + std::to_string(server.port()));

  // Upstreams are reported but not required: the gateway answers 503 for a missing one instead of
  // going unready. Checked on the channels calls use (the registry's instances once it has them).
  for (const auto& [name, address] : upstreams.addresses()) {
    host->addReadinessCheck(
        {"upstream:" + name, [&upstreams, name = name] { return upstreams.readiness(name); }, /*critical=*/false});
  }
  if (registry) {
    // Instances coming and going are polled at once; heartbeats wait for the next round.
    registry->onChange([&fleetMonitor](const bus::RegistryChange& change) {
      if (change.kind != bus::RegistryChange::Kind::kUpdated) fleetMonitor.wake();
    });
    registry->start();
    orderFeed->start();
    accessFeed->start();
    eventBus->registerInstance({host->serviceName(), host->instanceId(), host->version(), "", "", 0, 0},
                               [&host, adminHost](bus::ServiceInstance& instance) {
                                 if (host->adminPort() != 0) {
                                   instance.adminAddress = host->advertised(adminHost + ":" + std::to_string(host->adminPort()));
                                 }
                               });
    // Not critical: without NATS the gateway still routes (to the addresses it has) and answers.
    host->addReadinessCheck({"nats", [&eventBus] { return eventBus->readiness(); }, false});
    host->addReadinessCheck({"orders_stream", [&orderFeed] { return orderFeed->readiness(); }, false});
    host->addReadinessCheck({"users_stream", [&accessFeed] { return accessFeed->readiness(); }, false});
  }
  fleetMonitor.start();
  alertWatcher.start();

  // Stopped in reverse order: leave the registry first (other gateways and consoles see it at
  // once), drain HTTP, then stop the watchers.
  host->onShutdown("watchers", [&](std::chrono::milliseconds) {
    alertWatcher.stop();
    fleetMonitor.stop();
    if (orderFeed) orderFeed->stop();
    if (accessFeed) accessFeed->stop();
    if (registry) registry->stop();
  });
  host->onShutdown("http", [&server, &restGateway, &upstreams](std::chrono::milliseconds drain) {
    server.stop(drain);
    // Retried calls answer on the upstreams' own thread, into the REST gateway, which main
    // destroys before the upstreams.
    upstreams.stop();
    restGateway.finishBlockingWork();
  });
  host->onShutdown("registry", [&eventBus](std::chrono::milliseconds) {
    if (eventBus) eventBus->stopIntake();
  });
  return host->run();
}
