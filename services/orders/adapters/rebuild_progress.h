// Tells every gateway how a projection rebuild is going: the Rebuild message on a plain NATS subject
// (nothing stored: progress is ephemeral, and a lost report is superseded by the next).
#pragma once

#include <string>

#include "adapters/projection_rebuilder.h"
#include "fleetdeck/bus/connection.h"
#include "fleetdeck/core/status.h"
#include "fleetdeck/orders/v1/orders.pb.h"

namespace fleetdeck::orders {

// "fleetdeck.live.orders.v1.Rebuild": every gateway subscribes to it.
std::string rebuildProgressSubject();

// What is announced: the Rebuild GetRebuild answers for `report`, without its differences (up to a
// thousand rows, which the reader fetches once the rebuild is over; differenceCount still counts them).
v1::Rebuild rebuildProgressMessage(const RebuildReport& report);

// Publishes rebuildProgressMessage(report) on rebuildProgressSubject(). UNAVAILABLE while NATS is away.
Status announceRebuildProgress(bus::Bus& bus, const RebuildReport& report);

}  // namespace fleetdeck::orders
