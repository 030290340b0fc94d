// Prometheus metrics: counters, gauges and histograms with labels, exposed in text format 0.0.4.
//
// Declare a component's metrics once (a struct holding Family references), keep references to
// the children you use on hot paths, and look up labelled children only where labels vary.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace fleetdeck::telemetry {

class Counter {
 public:
  void inc(double amount = 1.0) { value_.fetch_add(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void inc(double amount = 1.0) { value_.fetch_add(amount, std::memory_order_relaxed); }
  void dec(double amount = 1.0) { value_.fetch_sub(amount, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>& bounds);
  void observe(double value);
  // Cumulative counts per bound (+Inf last), the sum and the count, read consistently enough for scraping.
  struct Snapshot {
    std::vector<uint64_t> cumulativeCounts;
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;
  const std::vector<double>& bounds() const { return bounds_; }

 private:
  const std::vector<double>& bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // one per bound plus +Inf
  std::atomic<double> sum_{0.0};
  std::atomic<uint64_t> count_{0};
};

// Latency buckets in seconds, 1 ms to 10 s: what request handlers and saga steps use.
const std::vector<double>& defaultLatencyBuckets();

enum class MetricType { kCounter, kGauge, kHistogram };

class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, std::vector<std::string> labelNames, MetricType type);
  virtual ~FamilyBase() = default;
  const std::string& name() const { return name_; }
  const std::string& help() const { return help_; }
  const std::vector<std::string>& labelNames() const { return labelNames_; }
  MetricType type() const { return type_; }
  virtual void expose(std::string& out) const = 0;

 protected:
  static std::string joinKey(const std::vector<std::string>& values);
  std::string labelText(const std::vector<std::string>& values, std::string_view extraName = {},
                        std::string_view extraValue = {}) const;

  std::string name_;
  std::string help_;
  std::vector<std::string> labelNames_;
  MetricType type_;
};

template <typename Metric>
class Family final : public FamilyBase {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labelNames, MetricType type,
         std::vector<double> bounds = {})
      : FamilyBase(std::move(name), std::move(help), std::move(labelNames), type), bounds_(std::move(bounds)) {}

  // The child for these label values (in labelNames() order), created on first use; the reference stays valid.
  Metric& labels(const std::vector<std::string>& values);
  void expose(std::string& out) const override;

 private:
  struct Child {
    std::vector<std::string> values;
    std::unique_ptr<Metric> metric;
  };
  std::vector<double> bounds_;
  mutable std::shared_mutex mutex_;
  std::unordered_map<std::string, Child> children_;
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

// Writes samples computed at scrape time (process stats, pool sizes, lags).
class SampleWriter {
 public:
  explicit SampleWriter(std::string& out) : out_(out) {}
  void header(std::string_view name, std::string_view help, MetricType type);
  void sample(std::string_view name, double value,
              const std::vector<std::pair<std::string, std::string>>& labels = {});

 private:
  std::string& out_;
};

class Registry {
 public:
  CounterFamily& counter(const std::string& name, const std::string& help, std::vector<std::string> labelNames = {});
  GaugeFamily& gauge(const std::string& name, const std::string& help, std::vector<std::string> labelNames = {});
  HistogramFamily& histogram(const std::string& name, const std::string& help, std::vector<std::string> labelNames,
                             std::vector<double> bounds = defaultLatencyBuckets());
  // Called on every scrape, after the families.
  void addCollector(std::function<void(SampleWriter&)> collector);

  // The whole registry in text exposition format 0.0.4.
  std::string expose() const;

 private:
  template <typename Metric>
  Family<Metric>& family(const std::string& name, const std::string& help, std::vector<std::string> labelNames,
                         MetricType type, std::vector<double> bounds);

  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<FamilyBase>> families_;
  std::vector<std::function<void(SampleWriter&)>> collectors_;
};

// The process-wide registry every module registers into and /metrics exposes.
Registry& defaultRegistry();

// Registers process_* metrics (RSS, CPU seconds, open fds, start time) read from /proc at scrape time.
void registerProcessCollector(Registry& registry);

// Formats a sample value as Prometheus expects (+Inf, -Inf, NaN, shortest round-trip decimal).
std::string formatValue(double value);
// Escapes a label value (backslash, double quote, newline).
std::string escapeLabelValue(std::string_view value);

}  // namespace fleetdeck::telemetry
