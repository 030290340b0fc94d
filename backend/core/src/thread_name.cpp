#include "fleetdeck/core/thread_name.h"

#include <pthread.h>

#include <string>

namespace fleetdeck {

void setThreadName(std::string_view name) {
  constexpr size_t kMaxLength = 15;  // TASK_COMM_LEN - 1
  const std::string truncated(name.substr(0, kMaxLength));
  (void)pthread_setname_np(pthread_self(), truncated.c_str());
}

}  // namespace fleetdeck
