// A JetStream key-value bucket for small shared state several gateway replicas must agree on (e.g.
// operators' alert acknowledgements): put, get, erase and list, with a max age per entry.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "fleetdeck/bus/connection.h"
#include "fleetdeck/core/status.h"

namespace fleetdeck::bus {

struct KeyValueOptions {
  std::string bucket;
  // Entries older than this disappear on the server (0: kept until erased).
  std::chrono::milliseconds maxAge{0};
  // File storage survives a broker restart; memory is for state every process re-creates anyway.
  bool fileStorage = true;
};

// Keys are what NATS accepts: letters, digits, '-', '_', '=', '/', '.' (not at either end).
bool validKeyValueKey(const std::string& key);

class KeyValueBucket {
 public:
  // Opens (or creates) the bucket on first use, and again after a failure, so a bucket made while
  // NATS was away works once it is back. Every call answers UNAVAILABLE while NATS is unreachable.
  KeyValueBucket(Bus& bus, KeyValueOptions options);
  ~KeyValueBucket();
  KeyValueBucket(const KeyValueBucket&) = delete;
  KeyValueBucket& operator=(const KeyValueBucket&) = delete;

  Status put(const std::string& key, const std::string& value);
  // nullopt when the key has no value (never put, erased, or aged out).
  Result<std::optional<std::string>> get(const std::string& key);
  // Removes the key's value; erasing a missing key is not an error.
  Status erase(const std::string& key);
  // Every key with a value, and that value.
  Result<std::map<std::string, std::string>> entries();

 private:
  struct Store;
  Status open();  // caller holds mutex_

  Bus& bus_;
  KeyValueOptions options_;
  std::mutex mutex_;
  std::unique_ptr<Store> store_;
};

}  // namespace fleetdeck::bus
