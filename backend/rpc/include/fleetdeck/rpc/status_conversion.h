// The one translation between fleetdeck::Status and grpc::Status, field violations included.
#pragma once

#include <grpcpp/support/status.h>

#include "fleetdeck/core/status.h"

namespace fleetdeck::rpc {

// Field violations travel in the standard grpc-status-details-bin trailer as a google.rpc.Status.
grpc::Status toGrpcStatus(const Status& status);
Status fromGrpcStatus(const grpc::Status& status);

}  // namespace fleetdeck::rpc
