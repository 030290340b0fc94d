#include "fleetdeck/bus/key_value.h"

#include <vector>

#include "nats_internal.h"

namespace fleetdeck::bus {

struct KeyValueBucket::Store {
  kvStore* kv = nullptr;
  ~Store() {
    if (kv != nullptr) kvStore_Destroy(kv);
  }
};

bool validKeyValueKey(const std::string& key) {
  if (key.empty() || key.front() == '.' || key.back() == '.') return false;
  for (const char c : key) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                         c == '_' || c == '.' || c == '=' || c == '/';
    if (!allowed) return false;
  }
  return true;
}

KeyValueBucket::KeyValueBucket(Bus& bus, KeyValueOptions options) : bus_(bus), options_(std::move(options)) {}

KeyValueBucket::~KeyValueBucket() = default;

Status KeyValueBucket::open() {
  if (store_) return Status::ok();
  if (!bus_.connected()) return unavailable("not connected to NATS");
  Bus::Impl& impl = bus_.impl();
  auto store = std::make_unique<Store>();
  natsStatus status = js_KeyValue(&store->kv, impl.js, options_.bucket.c_str());
  if (status != NATS_OK) {
    kvConfig config;
    kvConfig_Init(&config);
    config.Bucket = options_.bucket.c_str();
    config.History = 1;
    config.TTL = std::chrono::duration_cast<std::chrono::nanoseconds>(options_.maxAge).count();
    config.StorageType = options_.fileStorage ? js_FileStorage : js_MemoryStorage;
    // Created only, never updated: an existing bucket keeps the count it was created with.
    config.Replicas = impl.options.streamReplicas;
    store->kv = nullptr;
    status = js_CreateKeyValue(&store->kv, impl.js, &config);
    if (status != NATS_OK) return statusFromNats(status, "opening key-value bucket " + options_.bucket);
  }
  store_ = std::move(store);
  return Status::ok();
}

Status KeyValueBucket::put(const std::string& key, const std::string& value) {
  if (!validKeyValueKey(key)) return invalidArgument("not a key-value key: '" + key + "'");
  std::lock_guard lock(mutex_);
  FLEETDECK_RETURN_IF_ERROR(open());
  uint64_t revision = 0;
  const natsStatus status =
      kvStore_Put(&revision, store_->kv, key.c_str(), value.data(), static_cast<int>(value.size()));
  if (status != NATS_OK) {
    store_.reset();  // opened again next time (the bucket may have been deleted, or NATS restarted)
    return statusFromNats(status, "writing " + options_.bucket + "/" + key);
  }
  return Status::ok();
}

Result<std::optional<std::string>> KeyValueBucket::get(const std::string& key) {
  if (!validKeyValueKey(key)) return invalidArgument("not a key-value key: '" + key + "'");
  std::lock_guard lock(mutex_);
  FLEETDECK_RETURN_IF_ERROR(open());
  kvEntry* entry = nullptr;
  const natsStatus status = kvStore_Get(&entry, store_->kv, key.c_str());
  if (status == NATS_NOT_FOUND) return std::optional<std::string>();
  if (status != NATS_OK) {
    store_.reset();
    return statusFromNats(status, "reading " + options_.bucket + "/" + key);
  }
  std::optional<std::string> value;
  if (kvEntry_Operation(entry) == kvOp_Put) {
    value = std::string(static_cast<const char*>(kvEntry_Value(entry)), static_cast<size_t>(kvEntry_ValueLen(entry)));
  }
  kvEntry_Destroy(entry);
  return value;
}

Status KeyValueBucket::erase(const std::string& key) {
  if (!validKeyValueKey(key)) return invalidArgument("not a key-value key: '" + key + "'");
  std::lock_guard lock(mutex_);
  FLEETDECK_RETURN_IF_ERROR(open());
  const natsStatus status = kvStore_Delete(store_->kv, key.c_str());
  if (status != NATS_OK) {
    store_.reset();
    return statusFromNats(status, "erasing " + options_.bucket + "/" + key);
  }
  return Status::ok();
}

Result<std::map<std::string, std::string>> KeyValueBucket::entries() {
  std::vector<std::string> keys;
  {
    std::lock_guard lock(mutex_);
    FLEETDECK_RETURN_IF_ERROR(open());
    kvKeysList list{};
    const natsStatus status = kvStore_Keys(&list, store_->kv, nullptr);
    if (status == NATS_NOT_FOUND) return std::map<std::string, std::string>();
    if (status != NATS_OK) {
      store_.reset();
      return statusFromNats(status, "listing " + options_.bucket);
    }
    for (int i = 0; i < list.Count; ++i) keys.emplace_back(list.Keys[i]);
    kvKeysList_Destroy(&list);
  }
  std::map<std::string, std::string> result;
  for (const auto& key : keys) {
    auto value = get(key);
    if (!value) return value.status();
    if (*value) result.emplace(key, std::move(**value));  // erased in between: left out
  }
  return result;
}

}  // namespace fleetdeck::bus
