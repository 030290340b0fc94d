#include "adapters/seeded_random_source.h"

namespace fleetdeck::payments {

SeededRandomSource::SeededRandomSource() {
  std::random_device device;
  generator_.seed((static_cast<uint64_t>(device()) << 32) | device());
}

double SeededRandomSource::nextUnit() {
  std::lock_guard lock(mutex_);
  return unit_(generator_);
}

}  // namespace fleetdeck::payments
