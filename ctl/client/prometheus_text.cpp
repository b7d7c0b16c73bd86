#include "client/prometheus_text.h"

#include <sstream>

namespace cc::ctl::client {
namespace {

bool textStartsWith(const std::string& s, const std::string& prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
}

// The metric name of a sample line: up to '{' or a space.
std::string sampleName(const std::string& line) {
  std::size_t end = line.find_first_of("{ \t");
  return line.substr(0, end);
}

// The family a `# HELP name ...` or `# TYPE name ...` line is about; "" for other comments.
std::string commentFamily(const std::string& line) {
  for (const char* kind : {"# HELP ", "# TYPE "}) {
    if (textStartsWith(line, kind)) {
      std::string rest = line.substr(7);
      return rest.substr(0, rest.find(' '));
    }
  }
  return "";
}

// Parses `{a="x",b="y\"z"}` starting at `pos` (at the '{'); false when malformed.
bool parseLabels(const std::string& line, std::size_t& pos,
                 std::vector<std::pair<std::string, std::string>>& out) {
  ++pos;  // '{'
  while (pos < line.size() && line[pos] != '}') {
    std::size_t eq = line.find('=', pos);
    if (eq == std::string::npos || eq + 1 >= line.size() || line[eq + 1] != '"') return false;
    std::string name = line.substr(pos, eq - pos);
    std::string value;
    std::size_t i = eq + 2;
    for (; i < line.size() && line[i] != '"'; ++i) {
      if (line[i] == '\\' && i + 1 < line.size()) {
        ++i;
        value += line[i] == 'n' ? '\n' : line[i];
      } else {
        value += line[i];
      }
    }
    if (i >= line.size()) return false;
    out.emplace_back(name, value);
    pos = i + 1;
    if (pos < line.size() && line[pos] == ',') ++pos;
  }
  if (pos >= line.size()) return false;
  ++pos;  // '}'
  return true;
}

}  // namespace

std::vector<std::string> metricLinesWithPrefix(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  std::vector<std::string> pending;  // HELP/TYPE lines of the current family, not yet printed
  std::string family;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line[0] == '#') {
      std::string about = commentFamily(line);
      if (about.empty()) continue;
      if (about != family) pending.clear();
      family = about;
      pending.push_back(line);
      continue;
    }
    if (!textStartsWith(sampleName(line), prefix)) continue;
    out.insert(out.end(), pending.begin(), pending.end());
    pending.clear();
    out.push_back(line);
  }
  return out;
}

std::vector<MetricSample> parseSamples(const std::vector<std::string>& lines) {
  std::vector<MetricSample> out;
  for (const auto& line : lines) {
    if (line.empty() || line[0] == '#') continue;
    MetricSample sample;
    sample.name = sampleName(line);
    std::size_t pos = sample.name.size();
    if (pos < line.size() && line[pos] == '{' && !parseLabels(line, pos, sample.labels)) continue;
    std::istringstream rest(line.substr(pos));
    if (!(rest >> sample.value) || sample.name.empty()) continue;
    out.push_back(std::move(sample));
  }
  return out;
}

}  // namespace cc::ctl::client
