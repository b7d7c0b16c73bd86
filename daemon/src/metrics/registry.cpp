#include "metrics/registry.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <type_traits>

namespace cc::metrics {
namespace {

void addDouble(std::atomic<double>& target, double by) {
  double current = target.load(std::memory_order_relaxed);
  while (!target.compare_exchange_weak(current, current + by, std::memory_order_relaxed)) {
  }
}

// Backslash and newline are escaped in HELP text and label values; quotes only in the latter.
std::string escaped(const std::string& text, bool quotes) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '"' && quotes) {
      out += "\\\"";
    } else {
      out += c;
    }
  }
  return out;
}

bool validName(const std::string& name, bool allow_colon) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (allow_colon && c == ':') || (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

std::string_view typeName(MetricType type) {
  switch (type) {
    case MetricType::kCounter:
      return "counter";
    case MetricType::kGauge:
      return "gauge";
    case MetricType::kHistogram:
      return "histogram";
  }
  return "untyped";
}

// {a="x",b="y"}; `extra` (already formatted, e.g. le="0.5") goes last.
std::string labelText(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      const std::string& extra = "") {
  if (names.empty() && extra.empty()) return "";
  std::string out = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i] + "=\"" + escapeLabelValue(values[i]) + "\"";
  }
  if (!extra.empty()) out += (names.empty() ? "" : ",") + extra;
  return out + "}";
}

void header(std::string& out, const std::string& name, const std::string& help, MetricType type) {
  out += "# HELP " + name + " " + escapeHelp(help) + "\n";
  out += "# TYPE " + name + " " + std::string(typeName(type)) + "\n";
}

template <class M>
void renderScalars(std::string& out, const std::string& name, const Family<M>& family) {
  for (const auto& [values, metric] : family.children()) {
    out +=
        name + labelText(family.labelNames(), values) + " " + formatValue(metric->value()) + "\n";
  }
}

void renderHistograms(std::string& out, const std::string& name, const Family<Histogram>& family) {
  for (const auto& [values, metric] : family.children()) {
    Histogram::Snapshot s = metric->snapshot();
    for (std::size_t i = 0; i <= s.bounds.size(); ++i) {
      std::string le = i < s.bounds.size() ? formatValue(s.bounds[i]) : "+Inf";
      out += name + "_bucket" + labelText(family.labelNames(), values, "le=\"" + le + "\"") + " " +
             std::to_string(s.cumulative[i]) + "\n";
    }
    std::string labels = labelText(family.labelNames(), values);
    out += name + "_sum" + labels + " " + formatValue(s.sum) + "\n";
    out += name + "_count" + labels + " " + std::to_string(s.count) + "\n";
  }
}

}  // namespace

void Counter::inc(double by) {
  if (by > 0) addDouble(value_, by);
}

void Gauge::inc(double by) { addDouble(value_, by); }

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (!std::isfinite(bounds_[i]) || (i > 0 && bounds_[i] <= bounds_[i - 1])) {
      throw std::invalid_argument("histogram bounds must be finite and strictly increasing");
    }
  }
  for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i].store(0);
}

void Histogram::observe(double value) {
  // le semantics: a value equal to a bound belongs to that bound's bucket.
  auto it = std::lower_bound(bounds_.begin(), bounds_.end(), value);
  counts_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  addDouble(sum_, value);
}

Histogram::Snapshot Histogram::snapshot() const {
  Snapshot s;
  s.bounds = bounds_;
  uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += counts_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> latencyBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

std::string formatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  char buf[32];
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    std::snprintf(buf, sizeof buf, "%.0f", value);
    return buf;
  }
  // The shortest of %.15g / %.17g that reads back as the same double.
  std::snprintf(buf, sizeof buf, "%.15g", value);
  if (std::strtod(buf, nullptr) != value) std::snprintf(buf, sizeof buf, "%.17g", value);
  return buf;
}

std::string escapeLabelValue(const std::string& value) { return escaped(value, true); }

std::string escapeHelp(const std::string& help) { return escaped(help, false); }

template <class M>
Family<M>& Registry::family(const std::string& name, const std::string& help, MetricType type,
                            std::vector<std::string> label_names, std::vector<double> bounds) {
  if (!validName(name, true)) throw std::invalid_argument("bad metric name '" + name + "'");
  for (const auto& l : label_names) {
    if (!validName(l, false) || l.rfind("__", 0) == 0 ||
        (type == MetricType::kHistogram && l == "le")) {
      throw std::invalid_argument("bad label name '" + l + "' for " + name);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(name);
  if (it != entries_.end()) {
    const Entry& e = it->second;
    if (e.type != type || e.label_names != label_names || e.bounds != bounds) {
      throw std::invalid_argument("metric '" + name + "' is already registered differently");
    }
    return *std::static_pointer_cast<Family<M>>(e.family);
  }
  std::function<std::unique_ptr<M>()> make;
  if constexpr (std::is_same_v<M, Histogram>) {
    make = [bounds] { return std::make_unique<Histogram>(bounds); };
    Histogram check(bounds);  // validates the bounds before anything is registered
  } else {
    make = [] { return std::make_unique<M>(); };
  }
  auto fam = std::make_shared<Family<M>>(label_names, std::move(make));
  // An unlabelled metric is shown (as 0) from the start, not only after its first use.
  if (label_names.empty()) fam->labels({});
  entries_.emplace(name, Entry{type, help, std::move(label_names), std::move(bounds), fam});
  return *fam;
}

Counter& Registry::counter(const std::string& name, const std::string& help) {
  return counterFamily(name, help, {}).labels({});
}

Gauge& Registry::gauge(const std::string& name, const std::string& help) {
  return gaugeFamily(name, help, {}).labels({});
}

Histogram& Registry::histogram(const std::string& name, const std::string& help,
                               std::vector<double> bounds) {
  return histogramFamily(name, help, {}, std::move(bounds)).labels({});
}

Family<Counter>& Registry::counterFamily(const std::string& name, const std::string& help,
                                         std::vector<std::string> label_names) {
  return family<Counter>(name, help, MetricType::kCounter, std::move(label_names), {});
}

Family<Gauge>& Registry::gaugeFamily(const std::string& name, const std::string& help,
                                     std::vector<std::string> label_names) {
  return family<Gauge>(name, help, MetricType::kGauge, std::move(label_names), {});
}

Family<Histogram>& Registry::histogramFamily(const std::string& name, const std::string& help,
                                             std::vector<std::string> label_names,
                                             std::vector<double> bounds) {
  return family<Histogram>(name, help, MetricType::kHistogram, std::move(label_names),
                           std::move(bounds));
}

void Registry::gaugeCallback(const std::string& name, const std::string& help,
                             std::function<double()> read) {
  if (!validName(name, true)) throw std::invalid_argument("bad metric name '" + name + "'");
  addCollector([name, help, read = std::move(read)](std::vector<CollectedFamily>& out) {
    out.push_back({name, help, MetricType::kGauge, {{{}, read()}}, {}});
  });
}

void Registry::counterCallback(const std::string& name, const std::string& help,
                               std::function<double()> read) {
  if (!validName(name, true)) throw std::invalid_argument("bad metric name '" + name + "'");
  addCollector([name, help, read = std::move(read)](std::vector<CollectedFamily>& out) {
    out.push_back({name, help, MetricType::kCounter, {{{}, read()}}, {}});
  });
}

void Registry::addCollector(Collector collector) {
  std::lock_guard<std::mutex> lock(mu_);
  collectors_.push_back(std::move(collector));
}

std::string Registry::render() const {
  std::map<std::string, Entry> entries;
  std::vector<Collector> collectors;
  {
    std::lock_guard<std::mutex> lock(mu_);
    entries = entries_;
    collectors = collectors_;
  }
  std::string out;
  for (const auto& [name, e] : entries) {
    header(out, name, e.help, e.type);
    switch (e.type) {
      case MetricType::kCounter:
        renderScalars(out, name, *std::static_pointer_cast<Family<Counter>>(e.family));
        break;
      case MetricType::kGauge:
        renderScalars(out, name, *std::static_pointer_cast<Family<Gauge>>(e.family));
        break;
      case MetricType::kHistogram:
        renderHistograms(out, name, *std::static_pointer_cast<Family<Histogram>>(e.family));
        break;
    }
  }
  std::vector<CollectedFamily> collected;
  for (const auto& c : collectors) c(collected);
  for (const auto& f : collected) {
    header(out, f.name, f.help, f.type);
    for (std::size_t i = 0; i < f.samples.size(); ++i) {
      const auto& [labels, value] = f.samples[i];
      const std::string suffix = i < f.suffixes.size() ? f.suffixes[i] : std::string();
      std::vector<std::string> names;
      std::vector<std::string> values;
      for (const auto& [k, v] : labels) {
        names.push_back(k);
        values.push_back(v);
      }
      out += f.name + suffix + labelText(names, values) + " " + formatValue(value) + "\n";
    }
  }
  return out;
}

}  // namespace cc::metrics
