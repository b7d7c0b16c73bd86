#include "client/output.h"

#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <sstream>

namespace cc::ctl::client {

Table::Table(std::vector<Column> columns, bool header)
    : columns_(std::move(columns)), header_(header) {}

void Table::addRow(std::vector<std::string> cells) {
  cells.resize(columns_.size());
  rows_.push_back(std::move(cells));
}

void Table::render(std::ostream& out, bool colour) const {
  std::vector<std::size_t> widths(columns_.size(), 0);
  for (std::size_t c = 0; c < columns_.size(); ++c) {
    if (header_) widths[c] = columns_[c].title.size();
    for (const auto& row : rows_) widths[c] = std::max(widths[c], row[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells, bool is_header) {
    std::string text;
    std::size_t pending = 0;  // padding owed before the next non-empty output
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      const std::string& cell = cells[c];
      std::size_t pad = widths[c] - cell.size();
      std::string shown = (!is_header && columns_[c].status) ? colourStatus(cell, colour) : cell;
      if (c > 0) pending += 2;
      if (columns_[c].align == Align::kRight) pending += pad;
      if (!shown.empty()) {
        text.append(pending, ' ');
        text += shown;
        pending = 0;
      }
      if (columns_[c].align == Align::kLeft) pending += pad;
    }
    out << text << '\n';
  };
  if (header_)
    line(
        [&] {
          std::vector<std::string> titles;
          for (const auto& column : columns_) titles.push_back(column.title);
          return titles;
        }(),
        true);
  for (const auto& row : rows_) line(row, false);
}

void printFields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields,
                 bool colour) {
  Table table({{""}, {"", Align::kLeft, true}}, false);
  for (const auto& [label, value] : fields) table.addRow({label + ":", value});
  table.render(out, colour);
}

std::string formatNumber(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string text = buf;
  if (text.find('.') != std::string::npos) {
    text.erase(text.find_last_not_of('0') + 1);
    if (text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  return text;
}

std::string groupedNumber(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  std::string text = buf;
  if (text.find_first_not_of("-0.") == std::string::npos && text[0] == '-') text.erase(0, 1);
  const std::size_t sign = text[0] == '-' ? 1 : 0;
  std::size_t end = text.find('.');
  if (end == std::string::npos) end = text.size();
  for (std::size_t at = end; at > sign + 3; at -= 3) text.insert(at - 3, ",");
  return text;
}

std::string compactEmptyContainers(const std::string& json) {
  std::string out;
  out.reserve(json.size());
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < json.size(); ++i) {
    const char ch = json[i];
    out += ch;
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (ch == '\\') {
        escaped = true;
      } else if (ch == '"') {
        in_string = false;
      }
      continue;
    }
    if (ch == '"') {
      in_string = true;
      continue;
    }
    if (ch != '[' && ch != '{') continue;
    std::size_t next = json.find_first_not_of(" \t\r\n", i + 1);
    if (next != std::string::npos && json[next] == (ch == '[' ? ']' : '}')) {
      out += json[next];
      i = next;
    }
  }
  return out;
}

void printJsonDocument(std::ostream& out, const Poco::Dynamic::Var& document) {
  std::ostringstream text;
  Poco::JSON::Stringifier::stringify(document, text, 2);
  out << compactEmptyContainers(text.str()) << "\n";
}

std::string humanBytes(uint64_t bytes) {
  static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB", "PiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double value = static_cast<double>(bytes) / 1024.0;
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < sizeof kUnits / sizeof kUnits[0]) {
    value /= 1024.0;
    ++unit;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", value, kUnits[unit]);
  return buf;
}

std::string humanMillis(double ms) {
  char buf[48];
  if (ms < 10.0) {
    std::snprintf(buf, sizeof buf, "%.2f ms", ms);
  } else if (ms < 100.0) {
    std::snprintf(buf, sizeof buf, "%.1f ms", ms);
  } else if (ms < 1000.0) {
    std::snprintf(buf, sizeof buf, "%.0f ms", ms);
  } else if (ms < 60000.0) {
    std::snprintf(buf, sizeof buf, "%.2f s", ms / 1000.0);
  } else {
    return humanSeconds(ms / 1000.0);
  }
  return buf;
}

std::string humanSeconds(double seconds) {
  char buf[48];
  // A short run or a fresh start reads "40.0 ms", not "0.0 s".
  if (seconds < 1.0) return humanMillis(seconds * 1000.0);
  if (seconds < 60.0) {
    std::snprintf(buf, sizeof buf, "%.1f s", seconds);
    return buf;
  }
  auto whole = static_cast<int64_t>(seconds);
  if (whole < 3600) {
    std::snprintf(buf, sizeof buf, "%lld min %lld s", static_cast<long long>(whole / 60),
                  static_cast<long long>(whole % 60));
  } else if (whole < 86400) {
    std::snprintf(buf, sizeof buf, "%lld h %lld min", static_cast<long long>(whole / 3600),
                  static_cast<long long>(whole % 3600 / 60));
  } else {
    std::snprintf(buf, sizeof buf, "%lld d %lld h", static_cast<long long>(whole / 86400),
                  static_cast<long long>(whole % 86400 / 3600));
  }
  return buf;
}

std::string colourStatus(const std::string& word, bool colour) {
  static const std::map<std::string, const char*> kColours = {
      {"pass", "32"}, {"ok", "32"},        {"closed", "32"},   {"enforce", "32"},
      {"warn", "33"}, {"half_open", "33"}, {"shadow", "33"},   {"draining", "33"},
      {"fail", "31"}, {"open", "31"},      {"disabled", "31"}, {"failed", "31"},
  };
  if (!colour) return word;
  auto it = kColours.find(word);
  if (it == kColours.end()) return word;
  return std::string("\033[") + it->second + "m" + word + "\033[0m";
}

}  // namespace cc::ctl::client
