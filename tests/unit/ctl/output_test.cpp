#include "client/output.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

#include "client/duration.h"

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

TEST_F(CtlOutputTest, ShortTimesKeepMillisecondPrecision) {
  EXPECT_EQ(humanSeconds(0.0412), "41.2 ms");
  EXPECT_EQ(humanSeconds(0.004), "4.00 ms");
  EXPECT_EQ(humanSeconds(1.5), "1.5 s");
}

TEST_F(CtlOutputTest, GroupedNumbersHaveOneFormatAColumn) {
  EXPECT_EQ(groupedNumber(0.42, 2), "0.42");
  EXPECT_EQ(groupedNumber(12.3, 2), "12.30");
  EXPECT_EQ(groupedNumber(1250, 2), "1,250.00");
  EXPECT_EQ(groupedNumber(1234567), "1,234,567");
  EXPECT_EQ(groupedNumber(999), "999");
  EXPECT_EQ(groupedNumber(-1234.5, 1), "-1,234.5");
  EXPECT_EQ(groupedNumber(-0.001, 2), "0.00");
}

TEST_F(CtlOutputTest, JsonDocumentsWriteEmptyContainersCompactly) {
  Poco::JSON::Object::Ptr document = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  document->set("applied", Poco::JSON::Array::Ptr(new Poco::JSON::Array));
  document->set("none", Poco::JSON::Object::Ptr(new Poco::JSON::Object));
  document->set("text", "[ ] and { } stay as they are");
  std::ostringstream out;
  printJsonDocument(out, document);
  const std::string text = out.str();
  EXPECT_NE(text.find("[]"), std::string::npos) << text;
  EXPECT_NE(text.find("{}"), std::string::npos) << text;
  EXPECT_NE(text.find("\"[ ] and { } stay as they are\""), std::string::npos) << text;
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 5) << text;  // {, 3 keys, }
  Poco::JSON::Array::Ptr empty = new Poco::JSON::Array;
  std::ostringstream top;
  printJsonDocument(top, empty);
  EXPECT_EQ(top.str(), "[]\n");
  EXPECT_EQ(compactEmptyContainers("{\"a\":\"[\\\"\",\"b\":[ \n ]}"), "{\"a\":\"[\\\"\",\"b\":[]}");
}

TEST_F(CtlOutputTest, DurationsNeedAUnit) {
  using std::chrono::milliseconds;
  EXPECT_EQ(parseDuration("500ms"), milliseconds(500));
  EXPECT_EQ(parseDuration("30s"), milliseconds(30000));
  EXPECT_EQ(parseDuration("1.5s"), milliseconds(1500));
  EXPECT_EQ(parseDuration("2m"), milliseconds(120000));
  EXPECT_EQ(parseDuration("1h"), milliseconds(3600000));
  EXPECT_EQ(parseDuration("0"), milliseconds(0));
  for (const char* bad : {"", "30", "s", "-1s", "1d", "1.2.3s", "ten", "9999h"}) {
    EXPECT_FALSE(parseDuration(bad).has_value()) << bad;
  }
  EXPECT_EQ(formatDuration(milliseconds(300)), "300ms");
  EXPECT_EQ(formatDuration(milliseconds(60000)), "1m");
  EXPECT_EQ(formatDuration(milliseconds(1500)), "1.5s");
  EXPECT_EQ(formatDuration(milliseconds(30000)), "30s");
}

}  // namespace
}  // namespace cc::ctl::client
