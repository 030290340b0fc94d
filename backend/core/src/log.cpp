#include "fleetdeck/core/log.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "fleetdeck/core/json.h"

namespace fleetdeck::log {
namespace {

struct State {
  std::mutex mutex;
  Options options;
  std::shared_ptr<spdlog::logger> logger;
  std::atomic<int> level{static_cast<int>(Level::kInfo)};
};

State& state() {
  static State instance;
  return instance;
}

thread_local std::string threadTraceId;
thread_local std::string threadSpanId;

constexpr std::array<std::string_view, 6> kLevelNames = {"trace", "debug", "info", "warn", "error", "off"};

std::string isoTimestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  std::tm parts{};
  gmtime_r(&seconds, &parts);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", parts.tm_year + 1900, parts.tm_mon + 1,
                parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec, static_cast<int>(millis));
  return buffer;
}

std::shared_ptr<spdlog::logger> makeLogger(const Options& options) {
  std::shared_ptr<spdlog::logger> logger;
  if (options.file.empty()) {
    logger = std::make_shared<spdlog::logger>("fleetdeck", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  } else {
    logger = std::make_shared<spdlog::logger>(
        "fleetdeck", std::make_shared<spdlog::sinks::basic_file_sink_mt>(options.file, /*truncate=*/false));
  }
  // The line is already a complete JSON object; spdlog only does level filtering, locking and I/O.
  logger->set_pattern("%v");
  logger->set_level(spdlog::level::trace);
  logger->flush_on(spdlog::level::warn);
  return logger;
}

}  // namespace

bool parseLevel(std::string_view name, Level& level) {
  for (size_t i = 0; i < kLevelNames.size(); ++i) {
    if (kLevelNames[i] == name) {
      level = static_cast<Level>(i);
      return true;
    }
  }
  return false;
}

bool isSensitiveKey(std::string_view key) {
  std::string lower(key);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  for (std::string_view marker : {"password", "token", "secret", "authorization", "hash", "cookie", "api_key"}) {
    if (lower.find(marker) != std::string::npos) return true;
  }
  return false;
}

Status configure(const Options& options) {
  std::shared_ptr<spdlog::logger> logger;
  Status status;
  Options applied = options;
  try {
    logger = makeLogger(options);
  } catch (const std::exception& exception) {  // spdlog_ex: the file cannot be opened
    status = invalidArgument("cannot open log file '" + options.file + "': " + exception.what());
    applied.file.clear();
    logger = makeLogger(applied);
  }
  auto& s = state();
  std::lock_guard lock(s.mutex);
  s.options = applied;
  s.logger = std::move(logger);
  s.level.store(static_cast<int>(options.level));
  return status;
}

bool enabled(Level level) { return static_cast<int>(level) >= state().level.load(std::memory_order_relaxed); }

std::string formatLine(Level level, std::string_view message, Fields fields) {
  auto& s = state();
  boost::json::object line;
  line["time"] = isoTimestamp();
  line["level"] = kLevelNames[static_cast<size_t>(level)];
  line["service"] = s.options.service;
  if (!s.options.instance.empty()) line["instance"] = s.options.instance;
  if (!threadTraceId.empty()) {
    line["trace_id"] = threadTraceId;
    line["span_id"] = threadSpanId;
  }
  line["message"] = message;
  for (const Field& field : fields) {
    // A field may not overwrite the envelope (a "service" field would hide which process logged).
    std::string key(field.key);
    if (line.contains(key) || key == "trace_id" || key == "span_id") key = "field_" + key;
    if (isSensitiveKey(field.key)) {
      line[key] = "[redacted]";
      continue;
    }
    std::visit([&](const auto& value) { line[key] = value; }, field.value);
  }
  return boost::json::serialize(line);
}

void write(Level level, std::string_view message, Fields fields) {
  if (!enabled(level)) return;
  auto& s = state();
  std::shared_ptr<spdlog::logger> logger;
  {
    std::lock_guard lock(s.mutex);
    if (!s.logger) s.logger = makeLogger(s.options);
    logger = s.logger;
  }
  const std::string line = formatLine(level, message, fields);
  const auto spdLevel = static_cast<spdlog::level::level_enum>(static_cast<int>(level));
  logger->log(spdLevel, line);
}

void flush() {
  auto& s = state();
  std::lock_guard lock(s.mutex);
  if (s.logger) s.logger->flush();
}

void setThreadTraceIds(std::string_view traceId, std::string_view spanId) {
  threadTraceId.assign(traceId);
  threadSpanId.assign(spanId);
}

void clearThreadTraceIds() {
  threadTraceId.clear();
  threadSpanId.clear();
}

ScopedThreadTraceIds::ScopedThreadTraceIds(std::string_view traceId, std::string_view spanId)
    : previousTraceId_(threadTraceId), previousSpanId_(threadSpanId) {
  setThreadTraceIds(traceId, spanId);
}

ScopedThreadTraceIds::~ScopedThreadTraceIds() { setThreadTraceIds(previousTraceId_, previousSpanId_); }

}  // namespace fleetdeck::log
