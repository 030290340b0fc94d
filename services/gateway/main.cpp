// gateway: the fleet's REST front door. Routes come from the proto http options; composition only.
#include "adapters/access_tokens.h"
#include "adapters/rest_gateway.h"
#include "adapters/upstreams.h"
#include "domain/admin_events.h"
#include "domain/api_catalogue.h"
#include "domain/rest_mapping.h"
#include "fleetdeck/auth/key_ring.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/host/service_host.h"
#include "fleetdeck/http/server.h"
#include "fleetdeck/rpc/client.h"

using namespace fleetdeck;

namespace {

resilience::RateLimit rateLimit(Config& config, const std::string& prefix, double perSecond, double burst) {
  return {config.getDouble(prefix + "_per_second", perSecond, 0, 1e6), config.getDouble(prefix + "_burst", burst, 1, 1e6)};
}

}  // namespace

int main(int argc, char** argv) {
  auto host = host::ServiceHost::create(argc, argv, "gateway", "FleetDeck API gateway: REST/JSON in, gRPC out.");
  Config& config = host->config();

  http::ServerOptions httpOptions;
  httpOptions.address = config.getString("http.address", "127.0.0.1");
  httpOptions.port = static_cast<uint16_t>(config.getInt("http.port", 8080, 0, 65535));
  httpOptions.threads = static_cast<unsigned>(config.getInt("http.threads", 0, 0, 256));
  httpOptions.bodyLimitBytes = static_cast<size_t>(config.getInt("http.body_limit_bytes", 1 << 20, 1024, 64 << 20));
  httpOptions.headerLimitBytes = static_cast<size_t>(config.getInt("http.header_limit_bytes", 16 << 10, 1024, 1 << 20));
  httpOptions.readTimeout = config.getDuration("http.read_timeout", std::chrono::seconds(10));
  httpOptions.idleTimeout = config.getDuration("http.idle_timeout", std::chrono::seconds(60));
  httpOptions.serverName = "fleetdeck-gateway";

  gateway::GatewayOptions gatewayOptions;
  gatewayOptions.upstreamTimeout = config.getDuration("gateway.upstream_timeout", std::chrono::seconds(5));
  gatewayOptions.limits.maxJsonDepth = static_cast<int>(config.getInt("gateway.max_json_depth", 32, 2, 256));
  gatewayOptions.maxPageSize = static_cast<int>(config.getInt("gateway.max_page_size", 200, 1, 10'000));
  gatewayOptions.gzipMinBytes = static_cast<size_t>(config.getInt("gateway.gzip_min_bytes", 1024, 0, 1 << 30));
  gatewayOptions.accessLog = config.getBool("gateway.access_log", true);
  // Abuse limits: token buckets per client address and per signed-in user (0 disables one).
  gatewayOptions.perAddress = rateLimit(config, "limits.per_address", 100, 200);
  gatewayOptions.perUser = rateLimit(config, "limits.per_user", 50, 100);
  gatewayOptions.cors.allowedOrigins = config.getStringList("cors.allowed_origins", {});
  // The console's charts and alerts, proxied so it needs only the gateway's address and a token.
  gatewayOptions.prometheusUrl = config.getString("prometheus.url", "");
  gatewayOptions.prometheusTimeout = config.getDuration("prometheus.timeout", std::chrono::seconds(10));
  gatewayOptions.streamHeartbeat = config.getDuration("stream.heartbeat_interval", std::chrono::seconds(15));
  gatewayOptions.streamMaxQueuedBytes =
      static_cast<size_t>(config.getInt("stream.max_queued_bytes", 1 << 20, 4096, 64 << 20));
  const auto streamBuffer = static_cast<size_t>(config.getInt("stream.buffer_events", 4096, 16, 1'000'000));

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
      config.getDuration("auth.access_token_ttl", std::chrono::minutes(15)));
  tokenOptions.leeway = std::chrono::duration_cast<std::chrono::seconds>(
      config.getDuration("auth.clock_leeway", std::chrono::seconds(30)));

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
  // The admin stream's feed; ids start at the boot time so they keep growing across restarts.
  const auto bootMillis = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
  gateway::AdminEventSource adminEvents(streamBuffer, static_cast<uint64_t>(bootMillis) * 1000);
  // Breaker transitions are fleet changes the console shows live.
  upstreamOptions.onBreakerChange = [&adminEvents](const gateway::InstanceState& state) {
    adminEvents.publish("fleet.change", boost::json::serialize(boost::json::object{
                                            {"kind", "circuit_breaker"},
                                            {"upstream", state.upstream},
                                            {"upstreamInstance", state.address},
                                            {"state", resilience::breakerStateName(state.breaker)}}));
  };
  gateway::Upstreams upstreams(upstreamAddresses, upstreamOptions);
  gateway::RestGateway restGateway(std::move(*mappings), upstreams, tokens, adminEvents, gatewayOptions);

  http::HttpServer server(httpOptions, [&restGateway](http::HttpRequest& request,
                                                      std::shared_ptr<http::Responder> responder) {
    restGateway.handle(request, std::move(responder));
  });
  if (auto started = server.start(); !started.isOk()) host->fail(started, "starting the HTTP server");
  host->setInfo("httpAddress", httpOptions.address + ":" + std::to_string(server.port()));

  // Upstreams are reported but not required: the gateway answers 503 for a missing one instead of
  // going unready. The check reads the channel's state without waiting, so /readyz stays fast.
  for (const auto& [name, address] : upstreams.addresses()) {
    host->addReadinessCheck({"upstream:" + name,
                             [channel = rpc::makeChannel(gateway::splitAddresses(address).front()), address = address] {
                               const auto state = channel->GetState(/*try_to_connect=*/true);
                               if (state == GRPC_CHANNEL_READY) return Status::ok();
                               if (state == GRPC_CHANNEL_TRANSIENT_FAILURE || state == GRPC_CHANNEL_SHUTDOWN) {
                                 return unavailable("cannot connect to " + address);
                               }
                               return unavailable("connecting to " + address);
                             },
                             /*critical=*/false});
  }
  host->onShutdown("http", [&server](std::chrono::milliseconds drain) { server.stop(drain); });
  return host->run();
}
