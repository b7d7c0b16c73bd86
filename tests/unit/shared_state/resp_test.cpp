#include "shared_state/resp.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace cc::shared_state {
namespace {

using Type = RespValue::Type;

TEST(RespTest, ACommandIsAnArrayOfBulkStrings) {
  EXPECT_EQ(encodeCommand({"PUBLISH", "cc:bus", "a\r\nb"}),
            "*3\r\n$7\r\nPUBLISH\r\n$6\r\ncc:bus\r\n$4\r\na\r\nb\r\n");
  EXPECT_EQ(encodeCommand({"PING"}), "*1\r\n$4\r\nPING\r\n");
  EXPECT_EQ(encodeCommand({""}), "*1\r\n$0\r\n\r\n");
}

TEST(RespTest, ValuesArriveWholeWhateverThePiecesTheBytesCameIn) {
  const std::string stream =
      "*3\r\n$9\r\nsubscribe\r\n$6\r\ncc:bus\r\n:1\r\n"
      "*3\r\n$7\r\nmessage\r\n$6\r\ncc:bus\r\n$5\r\nhe\r\no\r\n"
      "+OK\r\n-ERR wrong\r\n$-1\r\n*-1\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n";
  for (std::size_t piece : {std::size_t{1}, std::size_t{2}, std::size_t{7}, stream.size()}) {
    RespReader reader;
    std::vector<RespValue> got;
    for (std::size_t at = 0; at < stream.size(); at += piece) {
      reader.feed(std::string_view(stream).substr(at, piece));
      while (auto v = reader.next()) got.push_back(*v);
    }
    ASSERT_TRUE(reader.failed().empty()) << reader.failed();
    ASSERT_EQ(got.size(), 7u) << "pieces of " << piece;
    ASSERT_TRUE(got[0].isArrayOf(3));
    EXPECT_EQ(got[0].items[0].str(), "subscribe");
    EXPECT_EQ(got[0].items[2].type, Type::kInteger);
    EXPECT_EQ(got[0].items[2].integer, 1);
    ASSERT_TRUE(got[1].isArrayOf(3));
    EXPECT_EQ(got[1].items[2].str(), "he\r\no") << "a bulk string may hold CRLF";
    EXPECT_EQ(got[2].type, Type::kSimple);
    EXPECT_EQ(got[2].str(), "OK");
    EXPECT_EQ(got[3].type, Type::kError);
    EXPECT_EQ(got[3].text, "ERR wrong");
    EXPECT_EQ(got[3].str(), "") << "an error is not a string";
    EXPECT_EQ(got[4].type, Type::kNullBulk);
    EXPECT_EQ(got[5].type, Type::kNullArray);
    ASSERT_TRUE(got[6].isArrayOf(2));
    EXPECT_EQ(got[6].items[0].str(), "pong");
  }
}

TEST(RespTest, NothingIsTakenUntilAValueIsComplete) {
  RespReader reader;
  reader.feed("*2\r\n$3\r\nab");
  EXPECT_FALSE(reader.next());
  reader.feed("c\r\n");
  EXPECT_FALSE(reader.next());
  reader.feed(":5\r\n");
  auto v = reader.next();
  ASSERT_TRUE(v);
  EXPECT_TRUE(v->isArrayOf(2));
  EXPECT_FALSE(reader.next());
}

TEST(RespTest, AMalformedOrOversizedStreamFailsForGood) {
  for (const std::string& bad :
       std::vector<std::string>{"?x\r\n", "$abc\r\n", "$-2\r\n", ":1x\r\n", "*x\r\n",
                                "$3\r\nabcd\r\n", std::string(10, '*') + "1\r\n"}) {
    RespReader reader;
    reader.feed(bad);
    EXPECT_FALSE(reader.next()) << bad;
    EXPECT_FALSE(reader.failed().empty()) << bad;
    reader.feed("+OK\r\n");
    EXPECT_FALSE(reader.next()) << "after a failure nothing more is read: " << bad;
  }
  RespReader small(64);
  small.feed("$100\r\n");
  EXPECT_FALSE(small.next());
  EXPECT_FALSE(small.failed().empty()) << "a bulk string over the limit";
  RespReader tiny(16);
  tiny.feed(std::string(17, '+'));
  EXPECT_FALSE(tiny.failed().empty()) << "a line over the limit";
}

}  // namespace
}  // namespace cc::shared_state
