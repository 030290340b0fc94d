#include "fleetdeck/telemetry/metrics.h"

#include <dirent.h>
#include <unistd.h>

#include <charconv>
#include <cmath>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace fleetdeck::telemetry {

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds), counts_(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0, std::memory_order_relaxed);
}

void Histogram::observe(double value) {
  size_t index = 0;
  while (index < bounds_.size() && value > bounds_[index]) ++index;
  counts_[index].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(value, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot snapshot;
  snapshot.cumulativeCounts.resize(bounds_.size() + 1);
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    snapshot.cumulativeCounts[i] = running;
  }
  // The count is the +Inf bucket by definition, so the exposition never contradicts itself.
  snapshot.count = running;
  snapshot.sum = sum_.load(std::memory_order_relaxed);
  return snapshot;
}

const std::vector<double>& defaultLatencyBuckets() {
  static const std::vector<double> buckets = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                              0.1,   0.25,   0.5,   1.0,  2.5,   5.0, 10.0};
  return buckets;
}

std::string formatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return std::to_string(static_cast<int64_t>(value));
  }
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
  return std::string(buffer, result.ptr);
}

std::string escapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

std::string escapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string_view typeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter: return "counter";
    case MetricType::kGauge: return "gauge";
    case MetricType::kHistogram: return "histogram";
  }
  return "untyped";
}

bool validMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

void writeHeader(std::string& out, std::string_view name, std::string_view help, MetricType type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += escapeHelp(help);
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += typeName(type);
  out += '\n';
}

}  // namespace

FamilyBase::FamilyBase(std::string name, std::string help, std::vector<std::string> labelNames, MetricType type)
    : name_(std::move(name)), help_(std::move(help)), labelNames_(std::move(labelNames)), type_(type) {
  if (!validMetricName(name_)) throw std::invalid_argument("invalid metric name: " + name_);
  for (const auto& label : labelNames_) {
    if (!validMetricName(label) || label.find(':') != std::string::npos || label.starts_with("__")) {
      throw std::invalid_argument("invalid label name '" + label + "' on metric " + name_);
    }
  }
}

std::string FamilyBase::joinKey(const std::vector<std::string>& values) {
  std::string key;
  for (const auto& value : values) {
    key += value;
    key += '\x1f';
  }
  return key;
}

std::string FamilyBase::labelText(const std::vector<std::string>& values, std::string_view extraName,
                                  std::string_view extraValue) const {
  if (labelNames_.empty() && extraName.empty()) return {};
  std::string text = "{";
  for (size_t i = 0; i < labelNames_.size(); ++i) {
    if (i > 0) text += ',';
    text += labelNames_[i];
    text += "=\"";
    text += escapeLabelValue(values[i]);
    text += '"';
  }
  if (!extraName.empty()) {
    if (!labelNames_.empty()) text += ',';
    text += extraName;
    text += "=\"";
    text += extraValue;
    text += '"';
  }
  text += '}';
  return text;
}

template <typename Metric>
Metric& Family<Metric>::labels(const std::vector<std::string>& values) {
  if (values.size() != labelNames_.size()) {
    throw std::invalid_argument("metric " + name_ + " takes " + std::to_string(labelNames_.size()) + " labels");
  }
  const std::string key = joinKey(values);
  {
    std::shared_lock lock(mutex_);
    auto found = children_.find(key);
    if (found != children_.end()) return *found->second.metric;
  }
  std::unique_lock lock(mutex_);
  auto [position, inserted] = children_.try_emplace(key);
  if (inserted) {
    position->second.values = values;
    if constexpr (std::is_same_v<Metric, Histogram>) {
      position->second.metric = std::make_unique<Histogram>(bounds_);
    } else {
      position->second.metric = std::make_unique<Metric>();
    }
  }
  return *position->second.metric;
}

template <typename Metric>
void Family<Metric>::expose(std::string& out) const {
  writeHeader(out, name_, help_, type_);
  std::shared_lock lock(mutex_);
  // Sorted output keeps scrapes diff-able and tests deterministic.
  std::map<std::string, const Child*> sorted;
  for (const auto& [key, child] : children_) sorted.emplace(key, &child);
  for (const auto& [key, child] : sorted) {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      const auto snapshot = child->metric->snapshot();
      for (size_t i = 0; i <= bounds_.size(); ++i) {
        const std::string bound = i < bounds_.size() ? formatValue(bounds_[i]) : "+Inf";
        out += name_ + "_bucket" + labelText(child->values, "le", bound) + ' ' +
               std::to_string(snapshot.cumulativeCounts[i]) + '\n';
      }
      out += name_ + "_sum" + labelText(child->values) + ' ' + formatValue(snapshot.sum) + '\n';
      out += name_ + "_count" + labelText(child->values) + ' ' + std::to_string(snapshot.count) + '\n';
    } else {
      out += name_ + labelText(child->values) + ' ' + formatValue(child->metric->value()) + '\n';
    }
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

void SampleWriter::header(std::string_view name, std::string_view help, MetricType type) {
  writeHeader(out_, name, help, type);
}

void SampleWriter::sample(std::string_view name, double value,
                          const std::vector<std::pair<std::string, std::string>>& labels) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) out_ += ',';
      out_ += labels[i].first + "=\"" + escapeLabelValue(labels[i].second) + '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += formatValue(value);
  out_ += '\n';
}

template <typename Metric>
Family<Metric>& Registry::family(const std::string& name, const std::string& help,
                                 std::vector<std::string> labelNames, MetricType type, std::vector<double> bounds) {
  std::lock_guard lock(mutex_);
  auto found = families_.find(name);
  if (found != families_.end()) {
    auto* existing = dynamic_cast<Family<Metric>*>(found->second.get());
    if (existing == nullptr || existing->labelNames() != labelNames) {
      throw std::invalid_argument("metric " + name + " registered twice with different type or labels");
    }
    return *existing;
  }
  auto created =
      std::make_unique<Family<Metric>>(name, help, std::move(labelNames), type, std::move(bounds));
  auto& reference = *created;
  families_.emplace(name, std::move(created));
  return reference;
}

CounterFamily& Registry::counter(const std::string& name, const std::string& help,
                                 std::vector<std::string> labelNames) {
  return family<Counter>(name, help, std::move(labelNames), MetricType::kCounter, {});
}

GaugeFamily& Registry::gauge(const std::string& name, const std::string& help, std::vector<std::string> labelNames) {
  return family<Gauge>(name, help, std::move(labelNames), MetricType::kGauge, {});
}

HistogramFamily& Registry::histogram(const std::string& name, const std::string& help,
                                     std::vector<std::string> labelNames, std::vector<double> bounds) {
  return family<Histogram>(name, help, std::move(labelNames), MetricType::kHistogram, std::move(bounds));
}

void Registry::addCollector(std::function<void(SampleWriter&)> collector) {
  std::lock_guard lock(mutex_);
  collectors_.push_back(std::move(collector));
}

std::string Registry::expose() const {
  std::string out;
  out.reserve(16 * 1024);
  std::vector<std::function<void(SampleWriter&)>> collectors;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [name, family] : families_) family->expose(out);
    collectors = collectors_;
  }
  SampleWriter writer(out);
  for (const auto& collector : collectors) collector(writer);
  return out;
}

Registry& defaultRegistry() {
  static Registry registry;
  return registry;
}

namespace {

struct ProcessStats {
  double cpuSeconds = 0;
  double residentBytes = 0;
  double virtualBytes = 0;
  double startTimeSeconds = 0;
  double openFds = 0;
  double maxFds = 0;
};

double bootTimeSeconds() {
  std::ifstream stat("/proc/stat");
  std::string line;
  while (std::getline(stat, line)) {
    if (line.starts_with("btime ")) return std::stod(line.substr(6));
  }
  return 0;
}

ProcessStats readProcessStats() {
  ProcessStats stats;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double pageSize = static_cast<double>(sysconf(_SC_PAGESIZE));
  std::ifstream statFile("/proc/self/stat");
  std::string content((std::istreambuf_iterator<char>(statFile)), std::istreambuf_iterator<char>());
  // Fields after the command name, which is in parentheses and may contain spaces.
  const size_t close = content.rfind(')');
  if (close != std::string::npos) {
    std::istringstream rest(content.substr(close + 2));
    std::vector<std::string> fields;
    std::string field;
    while (rest >> field) fields.push_back(field);
    // fields[0] is field 3 (state); utime=14, stime=15, starttime=22, vsize=23, rss=24.
    if (fields.size() > 21) {
      stats.cpuSeconds = (std::stod(fields[11]) + std::stod(fields[12])) / ticks;
      stats.startTimeSeconds = bootTimeSeconds() + std::stod(fields[19]) / ticks;
      stats.virtualBytes = std::stod(fields[20]);
      stats.residentBytes = std::stod(fields[21]) * pageSize;
    }
  }
  if (DIR* directory = opendir("/proc/self/fd")) {
    while (const dirent* entry = readdir(directory)) {
      if (entry->d_name[0] != '.') stats.openFds += 1;
    }
    closedir(directory);
    stats.openFds -= 1;  // the directory handle itself
  }
  std::ifstream limits("/proc/self/limits");
  std::string line;
  while (std::getline(limits, line)) {
    if (line.starts_with("Max open files")) {
      std::istringstream words(line.substr(14));
      words >> stats.maxFds;
    }
  }
  return stats;
}

}  // namespace

void registerProcessCollector(Registry& registry) {
  registry.addCollector([](SampleWriter& writer) {
    const ProcessStats stats = readProcessStats();
    writer.header("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
                  MetricType::kCounter);
    writer.sample("process_cpu_seconds_total", stats.cpuSeconds);
    writer.header("process_resident_memory_bytes", "Resident memory size in bytes.", MetricType::kGauge);
    writer.sample("process_resident_memory_bytes", stats.residentBytes);
    writer.header("process_virtual_memory_bytes", "Virtual memory size in bytes.", MetricType::kGauge);
    writer.sample("process_virtual_memory_bytes", stats.virtualBytes);
    writer.header("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
                  MetricType::kGauge);
    writer.sample("process_start_time_seconds", stats.startTimeSeconds);
    writer.header("process_open_fds", "Number of open file descriptors.", MetricType::kGauge);
    writer.sample("process_open_fds", stats.openFds);
    writer.header("process_max_fds", "Maximum number of open file descriptors.", MetricType::kGauge);
    writer.sample("process_max_fds", stats.maxFds);
  });
}

}  // namespace fleetdeck::telemetry
