// RandomSource on a 64-bit Mersenne Twister seeded from the OS, shared by the gRPC worker threads.
#pragma once

#include <cstdint>
#include <mutex>
#include <random>

#include "ports/random_source.h"

namespace fleetdeck::payments {

class SeededRandomSource final : public RandomSource {
 public:
  // Seeded from std::random_device; a fixed seed makes a run reproducible.
  SeededRandomSource();
  explicit SeededRandomSource(uint64_t seed) : generator_(seed) {}

  double nextUnit() override;

 private:
  std::mutex mutex_;
  std::mt19937_64 generator_;
  std::uniform_real_distribution<double> unit_{0.0, 1.0};
};

}  // namespace fleetdeck::payments
