// Writes the gateway's OpenAPI 3.1 document (the one it serves at /api/v1/openapi.json) to a file
// or standard output; run at build time to refresh docs/openapi.json.
#include <fstream>
#include <iostream>

#include "adapters/rest_gateway.h"
#include "domain/api_catalogue.h"
#include "domain/openapi.h"
#include "domain/rest_mapping.h"

int main(int argc, char** argv) {
  using namespace fleetdeck;
  auto mappings = gateway::collectRestMappings(gateway::publicApiFiles());
  if (!mappings) {
    std::cerr << "fleetdeck-openapi: " << mappings.status().toString() << "\n";
    return 1;
  }
  const std::string document = gateway::buildOpenApi(*mappings, gateway::RestGateway::ownRoutes(), {});
  if (argc < 2) {
    std::cout << document;
    return 0;
  }
  std::ofstream out(argv[1]);
  out << document;
  if (!out) {
    std::cerr << "fleetdeck-openapi: cannot write " << argv[1] << "\n";
    return 1;
  }
  return 0;
}
