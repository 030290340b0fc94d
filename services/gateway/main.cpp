// gateway: the fleet's REST front door. Routes come from the proto http options; composition only.
#include "adapters/rest_gateway.h"
#include "adapters/upstreams.h"
#include "domain/api_catalogue.h"
#include "domain/rest_mapping.h"
#include "fleetdeck/host/service_host.h"
#include "fleetdeck/http/server.h"
#include "fleetdeck/rpc/client.h"

using namespace fleetdeck;

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
  // Upstream name (the <domain> of fleetdeck.<domain>.v1) -> gRPC address.
  const auto upstreamAddresses = config.getStringTable("upstreams");
  host->finishConfig();

  auto mappings = gateway::collectRestMappings(gateway::publicApiFiles());
  if (!mappings) host->fail(mappings.status(), "reading the REST mappings from proto");
  gateway::Upstreams upstreams(upstreamAddresses);
  gateway::RestGateway restGateway(std::move(*mappings), upstreams, gatewayOptions);

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
                             [channel = rpc::makeChannel(address), address = address] {
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
