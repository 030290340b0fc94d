// Where fault injection draws its chances from; a seeded generator in production, scripted values in tests.
#pragma once

namespace fleetdeck::payments {

class RandomSource {
 public:
  virtual ~RandomSource() = default;
  // A number in [0, 1); safe to call from several threads at once.
  virtual double nextUnit() = 0;
};

}  // namespace fleetdeck::payments
