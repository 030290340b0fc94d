// Structured JSON-lines logging: one object per line with time, level, service, instance, trace ids.
#pragma once

#include <concepts>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <variant>

#include "fleetdeck/core/status.h"

namespace fleetdeck::log {

enum class Level { kTrace, kDebug, kInfo, kWarn, kError, kOff };

// "info" -> kInfo; nullopt-like kOff is never returned for unknown names: they yield false.
bool parseLevel(std::string_view name, Level& level);

struct Options {
  std::string service = "fleetdeck";
  std::string instance;
  Level level = Level::kInfo;
  // Empty: standard error. Otherwise the file is appended to.
  std::string file;
};

// A key/value attached to a log line. Values of keys that look like credentials are redacted.
struct Field {
  using Value = std::variant<std::string_view, int64_t, uint64_t, double, bool>;
  Field(std::string_view k, std::string_view v) : key(k), value(v) {}
  Field(std::string_view k, const char* v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, const std::string& v) : key(k), value(std::string_view(v)) {}
  Field(std::string_view k, bool v) : key(k), value(v) {}
  Field(std::string_view k, double v) : key(k), value(v) {}
  template <std::signed_integral T>
  Field(std::string_view k, T v) : key(k), value(static_cast<int64_t>(v)) {}
  template <std::unsigned_integral T>
    requires(!std::same_as<T, bool>)
  Field(std::string_view k, T v) : key(k), value(static_cast<uint64_t>(v)) {}

  std::string_view key;
  Value value;
};

using Fields = std::initializer_list<Field>;

// An Options::file that cannot be opened for appending is an error naming it; lines then keep going
// to standard error.
Status configure(const Options& options);
bool enabled(Level level);
void write(Level level, std::string_view message, Fields fields);
// Waits until every line written so far reached its destination.
void flush();

inline void trace(std::string_view message, Fields fields = {}) { write(Level::kTrace, message, fields); }
inline void debug(std::string_view message, Fields fields = {}) { write(Level::kDebug, message, fields); }
inline void info(std::string_view message, Fields fields = {}) { write(Level::kInfo, message, fields); }
inline void warn(std::string_view message, Fields fields = {}) { write(Level::kWarn, message, fields); }
inline void error(std::string_view message, Fields fields = {}) { write(Level::kError, message, fields); }

// Trace ids printed with every line written by this thread (telemetry sets them per request).
void setThreadTraceIds(std::string_view traceId, std::string_view spanId);
void clearThreadTraceIds();

// Sets the thread's trace ids for its lifetime and puts back the ones it found: for a line written
// on behalf of another request by a thread that may be in the middle of its own.
class ScopedThreadTraceIds {
 public:
  ScopedThreadTraceIds(std::string_view traceId, std::string_view spanId);
  ~ScopedThreadTraceIds();
  ScopedThreadTraceIds(const ScopedThreadTraceIds&) = delete;
  ScopedThreadTraceIds& operator=(const ScopedThreadTraceIds&) = delete;

 private:
  std::string previousTraceId_;
  std::string previousSpanId_;
};

// The JSON line that write() would emit, for tests of formatting and redaction.
std::string formatLine(Level level, std::string_view message, Fields fields);

// True for field names whose values must never reach a log (password, token, secret, …).
bool isSensitiveKey(std::string_view key);

}  // namespace fleetdeck::log
