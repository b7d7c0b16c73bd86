#pragma once
// Reading the Prometheus text exposition format (what GET /metrics answers), for the ctl.

#include <string>
#include <utility>
#include <vector>

namespace cc::ctl::client {

/// One sample line: `name{label="value",...} value [timestamp]`.
struct MetricSample {
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;  ///< in the order given, unescaped
  std::string value;                                        ///< as written ("12", "+Inf", "NaN")
};

/// The lines of `text` that belong to metrics whose name starts with `prefix`: each sample line
/// whose name does, and the `# HELP` / `# TYPE` lines of its family (kept before its samples).
/// Other comments and blank lines are dropped. An empty prefix keeps every metric.
std::vector<std::string> metricLinesWithPrefix(const std::string& text, const std::string& prefix);

/// The samples of the sample lines among `lines` (comments are skipped; a line that does not
/// parse is skipped too).
std::vector<MetricSample> parseSamples(const std::vector<std::string>& lines);

}  // namespace cc::ctl::client
