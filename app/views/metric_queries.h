// The PromQL the console's preset charts and fleet columns use, in one place. The metric names follow
// docs/console-api-contract.md ("Metrics the console reads"); change them there and here together.
#pragma once

#include <QString>

namespace fleetdeck::console::queries {

inline QString requestRateByService() {
  return QStringLiteral("sum by (service) (rate(fleetdeck_requests_total[1m]))");
}
inline QString errorPercentByService() {
  return QStringLiteral(
      "100 * sum by (service) (rate(fleetdeck_requests_total{outcome=\"error\"}[1m])) / "
      "sum by (service) (rate(fleetdeck_requests_total[1m]))");
}
// quantile: "0.5", "0.95", "0.99"; result in milliseconds.
inline QString latencyMsByService(const QString& quantile) {
  return QStringLiteral(
             "1000 * histogram_quantile(%1, sum by (service, le) (rate(fleetdeck_request_duration_seconds_bucket[1m])))")
      .arg(quantile);
}

}  // namespace fleetdeck::console::queries
