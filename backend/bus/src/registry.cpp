#include "fleetdeck/bus/registry.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "fleetdeck/core/config.h"
#include "fleetdeck/core/json.h"
#include "fleetdeck/core/log.h"
#include "fleetdeck/core/thread_name.h"
#include "nats_internal.h"

namespace fleetdeck::bus {
namespace {

int64_t nowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Opens the bucket, creating it on first use. A bucket's TTL is the max age of its stream: an entry
// not refreshed within it disappears on the server too.
Result<kvStore*> openBucket(Bus& bus, const RegistryOptions& options) {
  if (!bus.connected()) return unavailable("not connected to NATS");
  Bus::Impl& impl = bus.impl();
  kvStore* kv = nullptr;
  natsStatus status = js_KeyValue(&kv, impl.js, options.bucket.c_str());
  if (status == NATS_OK) return kv;
  kvConfig config;
  kvConfig_Init(&config);
  config.Bucket = options.bucket.c_str();
  config.History = 1;
  config.TTL = std::chrono::duration_cast<std::chrono::nanoseconds>(options.ttl).count();
  // Memory is enough: after a broker restart every live process registers again within one beat.
  config.StorageType = js_MemoryStorage;
  // Created only, never updated: an existing bucket keeps the count it was created with.
  config.Replicas = impl.options.streamReplicas;
  status = js_CreateKeyValue(&kv, impl.js, &config);
  if (status != NATS_OK) return statusFromNats(status, "opening registry bucket " + options.bucket);
  return kv;
}

}  // namespace

RegistryOptions registryOptionsFromConfig(Config& config) {
  RegistryOptions options;
  options.bucket = config.getString("registry.bucket", options.bucket);
  options.ttl = config.getDuration("registry.ttl", options.ttl, std::chrono::seconds(1));
  options.heartbeatInterval = config.getDuration("registry.heartbeat_interval", options.heartbeatInterval, std::chrono::milliseconds(50));
  return options;
}

std::string registryKey(const std::string& name, const std::string& instanceId) {
  std::string key = name + "." + instanceId;
  for (char& c : key) {
    const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                         c == '_' || c == '.' || c == '=' || c == '/';
    if (!allowed) c = '_';
  }
  return key;
}

std::string instanceToJson(const ServiceInstance& instance) {
  boost::json::object object{{"name", instance.name},
                             {"instanceId", instance.instanceId},
                             {"version", instance.version},
                             {"grpcAddress", instance.grpcAddress},
                             {"adminAddress", instance.adminAddress},
                             {"startTimeMicros", instance.startTimeMicros}};
  return boost::json::serialize(object);
}

Result<ServiceInstance> instanceFromJson(const std::string& text) {
  std::string error;
  auto parsed = json::parse(text, &error);
  if (!parsed || !parsed->is_object()) return invalidArgument("registry entry is not a JSON object: " + error);
  const auto& object = parsed->as_object();
  ServiceInstance instance;
  instance.name = json::stringOr(object, "name");
  instance.instanceId = json::stringOr(object, "instanceId");
  instance.version = json::stringOr(object, "version");
  instance.grpcAddress = json::stringOr(object, "grpcAddress");
  instance.adminAddress = json::stringOr(object, "adminAddress");
  if (const auto* start = object.if_contains("startTimeMicros"); start != nullptr && start->is_int64()) {
    instance.startTimeMicros = start->as_int64();
  }
  if (instance.name.empty() || instance.instanceId.empty()) {
    return invalidArgument("registry entry lacks name or instanceId");
  }
  return instance;
}

// ----- ServiceRegistration -----

struct ServiceRegistration::Bucket {
  kvStore* kv = nullptr;
  ~Bucket() { reset(); }
  void reset() {
    if (kv != nullptr) kvStore_Destroy(kv);
    kv = nullptr;
  }
};

ServiceRegistration::ServiceRegistration(Bus& bus, ServiceInstance instance, RegistryOptions options)
    : bus_(bus), bucket_(std::make_unique<Bucket>()), instance_(std::move(instance)), options_(std::move(options)) {
  if (instance_.startTimeMicros == 0) instance_.startTimeMicros = options_.wallClock ? options_.wallClock() : nowMicros();
}

ServiceRegistration::~ServiceRegistration() { stop(true); }

Status ServiceRegistration::beat() {
  std::lock_guard lock(mutex_);
  if (bucket_->kv == nullptr) {
    auto opened = openBucket(bus_, options_);
    if (!opened) return opened.status();
    bucket_->kv = *opened;
  }
  if (refresh_) refresh_(instance_);
  const std::string value = instanceToJson(instance_);
  uint64_t revision = 0;
  natsStatus status = kvStore_Put(&revision, bucket_->kv, registryKey(instance_.name, instance_.instanceId).c_str(),
                                  value.data(), static_cast<int>(value.size()));
  if (status != NATS_OK) {
    bucket_->reset();  // reopened (and recreated if the broker lost it) on the next beat
    return statusFromNats(status, "heartbeat to registry bucket " + options_.bucket);
  }
  return Status::ok();
}

void ServiceRegistration::start() {
  {
    std::lock_guard lock(mutex_);
    if (thread_.joinable()) return;
    stopping_ = false;
  }
  thread_ = namedThread("registry-beat", [this] { run(); });
}

void ServiceRegistration::run() {
  bool failing = false;
  while (true) {
    Status status = beat();
    if (!status.isOk() && !failing) {
      log::warn("registry heartbeat failed; retrying", {{"instance", instance_.instanceId}, {"error", status.toString()}});
    } else if (status.isOk() && failing) {
      log::info("registry heartbeat succeeds again", {{"instance", instance_.instanceId}});
    }
    failing = !status.isOk();
    std::unique_lock lock(mutex_);
    // A failed beat is retried sooner, so a broker restart costs well under one TTL of absence.
    const auto wait = failing ? std::min(options_.heartbeatInterval, std::chrono::milliseconds(1000))
                              : options_.heartbeatInterval;
    if (wake_.wait_for(lock, wait, [this] { return stopping_; })) return;
  }
}

void ServiceRegistration::stop(bool deregister) {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
  std::lock_guard lock(mutex_);
  if (deregister && bucket_->kv != nullptr && bus_.connected()) {
    natsStatus status = kvStore_Delete(bucket_->kv, registryKey(instance_.name, instance_.instanceId).c_str());
    if (status != NATS_OK) {
      // The entry then expires after the TTL instead.
      log::warn("cannot deregister; the entry expires by TTL",
                {{"instance", instance_.instanceId}, {"error", natsStatus_GetText(status)}});
    }
  }
  bucket_->reset();
}

// ----- RegistryWatcher -----

struct RegistryWatcher::Impl {
  Bus& bus;
  RegistryOptions options;
  std::function<void(const RegistryChange&)> callback;
  mutable std::mutex mutex;
  std::map<std::string, ServiceInstance> instances;  // by KV key
  bool synced = false;
  std::atomic<bool> stopping{false};
  std::thread thread;

  Impl(Bus& b, RegistryOptions o) : bus(b), options(std::move(o)) {}

  // The server's clock as last read from an entry, and when (on this host's monotonic clock) it was
  // read: serverNow() carries it forward. Heartbeats arrive every few seconds, so the estimate lags
  // the server by about one delivery; with no entry seen yet nothing is held to expire. Guarded by
  // `mutex`.
  int64_t serverClockMicros = 0;
  std::chrono::steady_clock::time_point serverClockReadAt;

  void observeServerClock(int64_t entryMicros) {
    if (entryMicros > serverNow()) {
      serverClockMicros = entryMicros;
      serverClockReadAt = std::chrono::steady_clock::now();
    }
  }
  int64_t serverNow() const {
    if (serverClockMicros == 0) return 0;
    return serverClockMicros + std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::steady_clock::now() - serverClockReadAt)
                                   .count();
  }
  bool expired(const ServiceInstance& instance, int64_t serverTime) const {
    return serverTime - instance.lastHeartbeatMicros >
           std::chrono::duration_cast<std::chrono::microseconds>(options.ttl).count();
  }

  void notify(const std::vector<RegistryChange>& changes) {
    if (!callback) return;
    for (const auto& change : changes) callback(change);
  }

  void apply(kvEntry* entry, std::vector<RegistryChange>& changes) {
    const std::string key = kvEntry_Key(entry);
    const kvOperation operation = kvEntry_Operation(entry);
    std::lock_guard lock(mutex);
    if (operation != kvOp_Put) {
      if (auto found = instances.find(key); found != instances.end()) {
        changes.push_back({RegistryChange::Kind::kRemoved, found->second});
        instances.erase(found);
      }
      return;
    }
    const char* value = static_cast<const char*>(kvEntry_Value(entry));
    auto instance = instanceFromJson(std::string(value != nullptr ? value : "", kvEntry_ValueLen(entry)));
    if (!instance) {
      log::warn("ignoring a malformed registry entry", {{"key", key}, {"error", instance.status().toString()}});
      return;
    }
    instance->lastHeartbeatMicros = kvEntry_Created(entry) / 1000;
    observeServerClock(instance->lastHeartbeatMicros);
    if (expired(*instance, serverNow())) return;
    auto found = instances.find(key);
    const bool added = found == instances.end();
    instances[key] = *instance;
    changes.push_back({added ? RegistryChange::Kind::kAdded : RegistryChange::Kind::kUpdated, *instance});
  }

  void pruneExpired(std::vector<RegistryChange>& changes) {
    std::lock_guard lock(mutex);
    const int64_t now = serverNow();
    for (auto it = instances.begin(); it != instances.end();) {
      if (expired(it->second, now)) {
        changes.push_back({RegistryChange::Kind::kRemoved, it->second});
        it = instances.erase(it);
      } else {
        ++it;
      }
    }
  }

  // Drops instances that were not in the bucket when a new watch read its content.
  void reconcile(const std::set<std::string>& present, std::vector<RegistryChange>& changes) {
    std::lock_guard lock(mutex);
    for (auto it = instances.begin(); it != instances.end();) {
      if (!present.contains(it->first)) {
        changes.push_back({RegistryChange::Kind::kRemoved, it->second});
        it = instances.erase(it);
      } else {
        ++it;
      }
    }
    synced = true;
  }

  void run() {
    kvStore* kv = nullptr;
    kvWatcher* watcher = nullptr;
    std::set<std::string> seenSinceWatch;
    bool initialDone = false;
    auto watchStarted = std::chrono::steady_clock::now();
    // A fresh watch now and then re-reads the bucket, catching entries the server expired (it sends
    // no delete for those) and anything missed across a reconnect.
    const auto resyncEvery = std::max<std::chrono::milliseconds>(options.ttl, std::chrono::seconds(5));
    auto closeWatch = [&] {
      if (watcher != nullptr) kvWatcher_Destroy(watcher);
      if (kv != nullptr) kvStore_Destroy(kv);
      watcher = nullptr;
      kv = nullptr;
    };
    while (!stopping) {
      std::vector<RegistryChange> changes;
      if (watcher == nullptr) {
        auto opened = openBucket(bus, options);
        natsStatus status = NATS_OK;
        if (opened) {
          kv = *opened;
          kvWatchOptions watchOptions;
          kvWatchOptions_Init(&watchOptions);
          status = kvStore_WatchAll(&watcher, kv, &watchOptions);
        }
        if (!opened || status != NATS_OK) {
          closeWatch();
          pruneExpired(changes);
          notify(changes);
          std::this_thread::sleep_for(std::chrono::milliseconds(250));
          continue;
        }
        seenSinceWatch.clear();
        initialDone = false;
        watchStarted = std::chrono::steady_clock::now();
      }
      kvEntry* entry = nullptr;
      natsStatus status = kvWatcher_Next(&entry, watcher, 250);
      if (status == NATS_OK && entry == nullptr) {
        initialDone = true;  // the bucket's content so far has been read
        reconcile(seenSinceWatch, changes);
      } else if (status == NATS_OK) {
        if (!initialDone) seenSinceWatch.insert(kvEntry_Key(entry));
        apply(entry, changes);
        kvEntry_Destroy(entry);
      } else if (status != NATS_TIMEOUT) {
        closeWatch();
      }
      pruneExpired(changes);
      notify(changes);
      if (watcher != nullptr && initialDone && std::chrono::steady_clock::now() - watchStarted > resyncEvery) {
        closeWatch();
      }
    }
    closeWatch();
  }
};

RegistryWatcher::RegistryWatcher(Bus& bus, RegistryOptions options)
    : impl_(std::make_unique<Impl>(bus, std::move(options))) {}

RegistryWatcher::~RegistryWatcher() { stop(); }

void RegistryWatcher::onChange(std::function<void(const RegistryChange&)> callback) {
  impl_->callback = std::move(callback);
}

void RegistryWatcher::start() {
  if (impl_->thread.joinable()) return;
  impl_->stopping = false;
  impl_->thread = namedThread("registry-watch", [this] { impl_->run(); });
}

void RegistryWatcher::stop() {
  impl_->stopping = true;
  if (impl_->thread.joinable()) impl_->thread.join();
}

std::vector<ServiceInstance> RegistryWatcher::snapshot() const {
  std::vector<ServiceInstance> result;
  std::lock_guard lock(impl_->mutex);
  const int64_t now = impl_->serverNow();
  for (const auto& [key, instance] : impl_->instances) {
    if (!impl_->expired(instance, now)) result.push_back(instance);
  }
  std::sort(result.begin(), result.end(), [](const ServiceInstance& a, const ServiceInstance& b) {
    return std::tie(a.name, a.instanceId) < std::tie(b.name, b.instanceId);
  });
  return result;
}

std::vector<ServiceInstance> RegistryWatcher::instancesOf(const std::string& name) const {
  auto all = snapshot();
  std::erase_if(all, [&](const ServiceInstance& instance) { return instance.name != name; });
  return all;
}

bool RegistryWatcher::synced() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->synced;
}

}  // namespace fleetdeck::bus
