#include "adapters/rebuild_progress.h"

#include "adapters/orders_grpc_service.h"
#include "fleetdeck/bus/live.h"

namespace fleetdeck::orders {

std::string rebuildProgressSubject() { return bus::liveSubjectFor(*v1::Rebuild::descriptor()); }

v1::Rebuild rebuildProgressMessage(const RebuildReport& report) {
  v1::Rebuild message;
  toProto(report, message);
  message.clear_differences();
  return message;
}

Status announceRebuildProgress(bus::Bus& bus, const RebuildReport& report) {
  return bus::publishLive(bus, rebuildProgressSubject(), rebuildProgressMessage(report).SerializeAsString());
}

}  // namespace fleetdeck::orders
