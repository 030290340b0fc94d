// Private to fleetdeck::rpc: process-wide settings of the gRPC runtime, applied before the first
// channel or server exists.
#pragma once

namespace fleetdeck::rpc::detail {

// Idempotent and thread-safe. Turns off Abseil's mutex deadlock detector, which Debian's Abseil
// build leaves on (kAbort): it keeps a lock-order graph on every absl::Mutex acquisition gRPC
// makes — about 4% of the gateway's CPU on a proxied gRPC call — to catch lock-order bugs inside
// gRPC itself, which is not ours to debug in production.
void tuneGrpcRuntime();

}  // namespace fleetdeck::rpc::detail
