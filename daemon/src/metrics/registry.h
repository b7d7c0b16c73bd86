#pragma once
// Counters, gauges and histograms, with labelled families, rendered in the Prometheus text
// exposition format (version 0.0.4) for GET /metrics.

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace cc::metrics {

enum class MetricType { kCounter, kGauge, kHistogram };

/// A monotonically increasing value. Lock-free; thread-safe.
class Counter {
 public:
  /// Adds `by` (negative amounts are ignored: a counter never goes down).
  void inc(double by = 1.0);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// A value that goes up and down. Lock-free; thread-safe.
class Gauge {
 public:
  void set(double v) { value_.store(v, std::memory_order_relaxed); }
  void inc(double by = 1.0);
  void dec(double by = 1.0) { inc(-by); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

/// Observations counted into fixed buckets (upper bounds, `le`), plus their sum and count.
/// `observe` is lock-free: a binary search and two atomic adds. Thread-safe.
class Histogram {
 public:
  /// `bounds` must be finite and strictly increasing; +Inf is implied.
  explicit Histogram(std::vector<double> bounds);

  void observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  ///< per bound, then +Inf (== count)
    double sum = 0;
    uint64_t count = 0;
  };
  /// Cumulative counts; `count` always equals the +Inf bucket, even during concurrent observes.
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // per bucket, not cumulative
  std::atomic<double> sum_{0.0};
};

/// Buckets for request latencies in seconds, 5 ms to 10 s.
std::vector<double> latencyBuckets();

/// Metrics of one name that differ by label values, e.g.
/// controlcenter_http_requests_total{route,method,code}. A child is created on first use and
/// lives as long as the family, so its reference may be cached on the hot path. Lookup takes
/// one of 16 shard mutexes, chosen by the hash of the values. Thread-safe.
template <class M>
class Family {
 public:
  Family(std::vector<std::string> label_names, std::function<std::unique_ptr<M>()> make)
      : label_names_(std::move(label_names)), make_(std::move(make)) {}

  /// The child for these label values, in the order of the label names. A wrong number of
  /// values is a programming error: std::invalid_argument.
  M& labels(const std::vector<std::string>& values);

  const std::vector<std::string>& labelNames() const { return label_names_; }
  /// Every child with its label values, sorted by them.
  std::vector<std::pair<std::vector<std::string>, const M*>> children() const;

 private:
  struct Child {
    std::vector<std::string> values;
    std::unique_ptr<M> metric;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Child> children;
  };
  std::vector<std::string> label_names_;
  std::function<std::unique_ptr<M>()> make_;
  std::array<Shard, 16> shards_;
};

/// One family produced at scrape time by a collector (counters and gauges only).
struct CollectedFamily {
  std::string name;
  std::string help;
  MetricType type = MetricType::kGauge;
  std::vector<std::pair<std::map<std::string, std::string>, double>> samples;
  /// For histograms: a suffix per sample ("_bucket", "_sum", "_count"); empty otherwise.
  std::vector<std::string> suffixes;
};
using Collector = std::function<void(std::vector<CollectedFamily>& out)>;

/// The metrics of a process and their text rendering. Registration happens at start-up and
/// returns references that stay valid for the registry's life; registering a name again with
/// the same type, labels (and buckets) returns the existing metric, so reloads may re-register.
/// Bad names, label names or a clash in type are programming errors: std::invalid_argument.
/// Thread-safe.
class Registry {
 public:
  Counter& counter(const std::string& name, const std::string& help);
  Gauge& gauge(const std::string& name, const std::string& help);
  Histogram& histogram(const std::string& name, const std::string& help,
                       std::vector<double> bounds);
  Family<Counter>& counterFamily(const std::string& name, const std::string& help,
                                 std::vector<std::string> label_names);
  Family<Gauge>& gaugeFamily(const std::string& name, const std::string& help,
                             std::vector<std::string> label_names);
  Family<Histogram>& histogramFamily(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names,
                                     std::vector<double> bounds);

  /// A gauge (or counter) whose value `read` gives at each scrape, e.g. a queue length.
  void gaugeCallback(const std::string& name, const std::string& help,
                     std::function<double()> read);
  void counterCallback(const std::string& name, const std::string& help,
                       std::function<double()> read);
  /// Families computed at scrape time; rendered after the registered ones.
  void addCollector(Collector collector);

  /// Every metric in the text exposition format, registered families sorted by name.
  std::string render() const;

 private:
  struct Entry {
    MetricType type;
    std::string help;
    std::vector<std::string> label_names;
    std::vector<double> bounds;
    std::shared_ptr<void> family;  // Family<Counter|Gauge|Histogram>
  };
  template <class M>
  Family<M>& family(const std::string& name, const std::string& help, MetricType type,
                    std::vector<std::string> label_names, std::vector<double> bounds);

  mutable std::mutex mu_;
  std::map<std::string, Entry> entries_;
  std::vector<Collector> collectors_;
};

/// Text helpers of the exposition format, exposed for tests.
std::string formatValue(double value);
std::string escapeLabelValue(const std::string& value);
std::string escapeHelp(const std::string& help);

// Template definitions.

template <class M>
M& Family<M>::labels(const std::vector<std::string>& values) {
  if (values.size() != label_names_.size()) {
    throw std::invalid_argument("metric family expects " + std::to_string(label_names_.size()) +
                                " label values, got " + std::to_string(values.size()));
  }
  std::string key;
  for (const auto& v : values) {
    key += v;
    key += '\xff';  // cannot occur in UTF-8 text, so joined keys never collide
  }
  Shard& shard = shards_[std::hash<std::string>{}(key) % shards_.size()];
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.children.find(key);
  if (it == shard.children.end()) {
    it = shard.children.emplace(std::move(key), Child{values, make_()}).first;
  }
  return *it->second.metric;
}

template <class M>
std::vector<std::pair<std::vector<std::string>, const M*>> Family<M>::children() const {
  std::vector<std::pair<std::vector<std::string>, const M*>> out;
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard.mu);
    for (const auto& [key, child] : shard.children) {
      out.emplace_back(child.values, child.metric.get());
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  return out;
}

}  // namespace cc::metrics
