#include "config/properties_parser.h"

namespace cc::config {
namespace {

std::string trim(const std::string& s) {
  std::size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  std::size_t e = s.find_last_not_of(" \t\r");
  return s.substr(b, e - b + 1);
}

// A '#' preceded by whitespace starts a comment; "a#b" stays a value.
std::string stripComment(const std::string& s) {
  for (std::size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '#' && (s[i - 1] == ' ' || s[i - 1] == '\t')) return s.substr(0, i);
  }
  return s;
}

}  // namespace

std::vector<PropertyLine> parseProperties(std::istream& in) {
  std::vector<PropertyLine> out;
  std::string raw;
  int number = 0;
  while (std::getline(in, raw)) {
    ++number;
    int first_line = number;
    std::string line = trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == '!') continue;
    while (!line.empty() && line.back() == '\\') {
      line.pop_back();
      std::string next;
      if (!std::getline(in, next)) break;
      ++number;
      line += trim(next);
    }
    PropertyLine entry;
    entry.line = first_line;
    std::size_t sep = line.find_first_of("=:");
    if (sep == std::string::npos) {
      entry.error = "expected 'key = value', got '" + line + "'";
    } else {
      entry.key = trim(line.substr(0, sep));
      entry.value = trim(stripComment(line.substr(sep + 1)));
      if (entry.key.empty()) entry.error = "missing key before '" + line.substr(sep, 1) + "'";
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace cc::config
