#pragma once
// Reads the `key = value` properties format of controlcenterd.properties.

#include <istream>
#include <string>
#include <vector>

namespace cc::config {

/// One line's outcome: a key and value, or an error naming what is wrong with the line.
struct PropertyLine {
  int line = 0;
  std::string key;
  std::string value;
  std::string error;
};

/// Parses `key = value` (or `key: value`) lines. Blank lines and lines starting with `#` or `!`
/// are skipped; a ` #` after the value starts a comment; a trailing `\` continues the value on the
/// next line. Stateless; thread-safe.
std::vector<PropertyLine> parseProperties(std::istream& in);

}  // namespace cc::config
