#include "client/output.h"

#include <gtest/gtest.h>

#include <sstream>

namespace cc::ctl::client {
namespace {

class CtlOutputTest : public ::testing::Test {
 protected:
  std::string render(const Table& table, bool colour = false) {
    std::ostringstream out;
    table.render(out, colour);
    return out.str();
  }
};

TEST_F(CtlOutputTest, TableAlignsColumnsAndRightAlignsNumbers) {
  Table table({{"NAME"}, {"STATE"}, {"COUNT", Align::kRight}});
  table.addRow({"db", "closed", "7"});
  table.addRow({"upstream-api", "open", "12345"});
  EXPECT_EQ(render(table),
            "NAME          STATE   COUNT\n"
            "db            closed      7\n"
            "upstream-api  open    12345\n");
}

TEST_F(CtlOutputTest, NoTrailingSpacesAndMissingCellsAreEmpty) {
  Table table({{"A"}, {"B"}}, false);
  table.addRow({"long-value"});
  table.addRow({"x", "y"});
  EXPECT_EQ(render(table), "long-value\nx           y\n");
}

TEST_F(CtlOutputTest, ColourOnlyForStatusWordsAndNeverShiftsAlignment) {
  Table table({{"NAME"}, {"STATE", Align::kLeft, true}, {"N", Align::kRight}});
  table.addRow({"a", "open", "1"});
  table.addRow({"b", "unknown", "2"});
  const std::string plain = render(table, false);
  EXPECT_EQ(plain.find('\033'), std::string::npos);
  const std::string coloured = render(table, true);
  EXPECT_NE(coloured.find("\033[31mopen\033[0m"), std::string::npos);
  // Removing the escapes gives back the plain table exactly.
  std::string stripped = coloured;
  for (const std::string esc : {"\033[31m", "\033[0m"}) {
    for (auto pos = stripped.find(esc); pos != std::string::npos; pos = stripped.find(esc)) {
      stripped.erase(pos, esc.size());
    }
  }
  EXPECT_EQ(stripped, plain);
  EXPECT_EQ(colourStatus("pass", true), "\033[32mpass\033[0m");
  EXPECT_EQ(colourStatus("pass", false), "pass");
  EXPECT_EQ(colourStatus("0.1.0", true), "0.1.0");
}

TEST_F(CtlOutputTest, HumanBytesUseBinaryUnits) {
  EXPECT_EQ(humanBytes(0), "0 B");
  EXPECT_EQ(humanBytes(1023), "1023 B");
  EXPECT_EQ(humanBytes(1024), "1.0 KiB");
  EXPECT_EQ(humanBytes(1536), "1.5 KiB");
  EXPECT_EQ(humanBytes(5 * 1024 * 1024), "5.0 MiB");
  EXPECT_EQ(humanBytes(uint64_t{3} << 30), "3.0 GiB");
}

TEST_F(CtlOutputTest, HumanTimes) {
  EXPECT_EQ(humanMillis(0.42), "0.42 ms");
  EXPECT_EQ(humanMillis(12.34), "12.3 ms");
  EXPECT_EQ(humanMillis(350.2), "350 ms");
  EXPECT_EQ(humanMillis(1250), "1.25 s");
  EXPECT_EQ(humanMillis(125000), "2 min 5 s");
  EXPECT_EQ(humanSeconds(12.34), "12.3 s");
  EXPECT_EQ(humanSeconds(7500), "2 h 5 min");
  EXPECT_EQ(humanSeconds(3 * 86400 + 4 * 3600 + 5), "3 d 4 h");
  EXPECT_EQ(formatNumber(0.5), "0.5");
  EXPECT_EQ(formatNumber(12.0), "12");
  EXPECT_EQ(formatNumber(0.0512, 2), "0.05");
}

TEST_F(CtlOutputTest, FieldsAlignValues) {
  std::ostringstream out;
  printFields(out, {{"status", "pass"}, {"version", "0.1.0"}}, false);
  EXPECT_EQ(out.str(), "status:   pass\nversion:  0.1.0\n");
}

}  // namespace
}  // namespace cc::ctl::client
