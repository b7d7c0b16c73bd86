#pragma once
// Output: aligned tables, human units, colour for status words on a terminal only, and the one
// form a JSON document takes.

#include <Poco/Dynamic/Var.h>

#include <cstdint>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace cc::ctl::client {

enum class Align { kLeft, kRight };

/// One column of a Table. A `status` column colours known status words (pass, open, ...).
struct Column {
  std::string title;
  Align align = Align::kLeft;
  bool status = false;
};

/// Rows of text aligned in columns separated by two spaces; widths come from the plain text so
/// colour never shifts alignment. Trailing spaces are never printed. A plain value type.
class Table {
 public:
  explicit Table(std::vector<Column> columns, bool header = true);
  /// Missing cells print empty; extra cells are dropped.
  void addRow(std::vector<std::string> cells);
  bool empty() const { return rows_.empty(); }
  void render(std::ostream& out, bool colour) const;

 private:
  std::vector<Column> columns_;
  bool header_;
  std::vector<std::vector<std::string>> rows_;
};

/// "label:  value" lines with the values aligned; values that are status words are coloured.
void printFields(std::ostream& out, const std::vector<std::pair<std::string, std::string>>& fields,
                 bool colour);

/// "512 B", "1.5 KiB", "12.0 MiB", "3.2 GiB" (binary units).
std::string humanBytes(uint64_t bytes);
/// "0.42 ms", "12.3 ms", "350 ms", "1.25 s", "2 min 5 s".
std::string humanMillis(double ms);
/// Uptimes: "12.3 s", "5 min 3 s", "2 h 5 min", "3 d 4 h".
std::string humanSeconds(double seconds);
/// A number with at most `decimals` decimals, trailing zeros dropped ("0.5", "12", "0.05").
std::string formatNumber(double value, int decimals = 2);
/// A number with exactly `decimals` decimals and thousands separators ("1,234.50", "0.42",
/// "12,000"): one format for a whole table column.
std::string groupedNumber(double value, int decimals = 0);

/// Writes `document` indented by two, empty arrays and objects as `[]` and `{}`, and a newline.
void printJsonDocument(std::ostream& out, const Poco::Dynamic::Var& document);
/// `json` with every empty array or object outside strings written `[]` / `{}`. Exposed for tests.
std::string compactEmptyContainers(const std::string& json);

/// Wraps a status word (pass/ok/closed/enforce green, warn/half_open/shadow yellow, fail/open/
/// disabled red) in ANSI colour when `colour` is set; other words come back unchanged.
std::string colourStatus(const std::string& word, bool colour);

}  // namespace cc::ctl::client
