#include "grpc_runtime.h"

#include <absl/synchronization/mutex.h>

#include <mutex>

namespace fleetdeck::rpc::detail {

void tuneGrpcRuntime() {
  static std::once_flag once;
  std::call_once(once, [] { absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore); });
}

}  // namespace fleetdeck::rpc::detail
