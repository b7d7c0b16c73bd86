#include "ws/frame.h"

#include <gtest/gtest.h>

#include <string>

namespace cc::ws {
namespace {

// A client frame: masked, as RFC 6455 requires of clients. `length` overrides the header's
// declared length (to announce more than is sent).
std::string clientFrame(uint8_t first_byte, const std::string& payload, bool masked = true,
                        int64_t length = -1) {
  uint64_t n = length >= 0 ? static_cast<uint64_t>(length) : payload.size();
  std::string out;
  out.push_back(static_cast<char>(first_byte));
  uint8_t mask_bit = masked ? 0x80 : 0;
  if (n < 126) {
    out.push_back(static_cast<char>(mask_bit | n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(mask_bit | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(mask_bit | 127));
    for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(n >> shift));
  }
  const uint8_t mask[4] = {0x37, 0xfa, 0x21, 0x3d};
  if (masked) out.append(reinterpret_cast<const char*>(mask), 4);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    out.push_back(masked ? static_cast<char>(payload[i] ^ mask[i % 4]) : payload[i]);
  }
  return out;
}

class WsFrameTest : public ::testing::Test {
 protected:
  FrameParser parser_{1024};

  ParsedFrame feed(const std::string& bytes) {
    parser_.append(bytes.data(), bytes.size());
    return parser_.next();
  }
};

TEST_F(WsFrameTest, ParsesAMaskedTextMessage) {
  ParsedFrame f = feed(clientFrame(0x81, "{\"type\":\"auth\"}"));
  ASSERT_EQ(f.kind, ParsedFrame::Kind::kMessage);
  EXPECT_EQ(f.opcode, Opcode::kText);
  EXPECT_EQ(f.payload, "{\"type\":\"auth\"}");
  EXPECT_EQ(parser_.next().kind, ParsedFrame::Kind::kIncomplete);
  EXPECT_EQ(parser_.buffered(), 0u);
}

TEST_F(WsFrameTest, ParsesAMessageFedOneByteAtATime) {
  std::string bytes = clientFrame(0x81, std::string(300, 'x')) + clientFrame(0x89, "p");
  std::vector<ParsedFrame> got;
  for (char b : bytes) {
    parser_.append(&b, 1);
    for (ParsedFrame f = parser_.next(); f.kind != ParsedFrame::Kind::kIncomplete;
         f = parser_.next()) {
      got.push_back(f);
    }
  }
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].payload, std::string(300, 'x'));
  EXPECT_EQ(got[1].opcode, Opcode::kPing);
  EXPECT_EQ(got[1].payload, "p");
}

TEST_F(WsFrameTest, JoinsFragmentsAndPassesControlFramesBetweenThem) {
  std::string bytes =
      clientFrame(0x01, "ab") + clientFrame(0x89, "") + clientFrame(0x80, "cd");  // FIN on last
  parser_.append(bytes.data(), bytes.size());
  ParsedFrame ping = parser_.next();
  EXPECT_EQ(ping.opcode, Opcode::kPing);
  ParsedFrame text = parser_.next();
  ASSERT_EQ(text.kind, ParsedFrame::Kind::kMessage);
  EXPECT_EQ(text.opcode, Opcode::kText);
  EXPECT_EQ(text.payload, "abcd");
}

TEST_F(WsFrameTest, RejectsAnOversizedMessageFromItsHeaderAlone) {
  // Announces a terabyte and sends none of it: refused at once, nothing buffered.
  ParsedFrame f = feed(clientFrame(0x81, "", true, int64_t{1} << 40));
  EXPECT_EQ(f.kind, ParsedFrame::Kind::kError);
  EXPECT_EQ(f.close_code, close_code::kMessageTooBig);
  EXPECT_EQ(parser_.buffered(), 0u);
  // The failure is sticky.
  EXPECT_EQ(feed(clientFrame(0x81, "ok")).kind, ParsedFrame::Kind::kError);
}

TEST_F(WsFrameTest, CountsFragmentsAgainstTheLimit) {
  EXPECT_EQ(feed(clientFrame(0x01, std::string(600, 'a'))).kind, ParsedFrame::Kind::kIncomplete);
  ParsedFrame f = feed(clientFrame(0x80, std::string(600, 'b')));
  EXPECT_EQ(f.kind, ParsedFrame::Kind::kError);
  EXPECT_EQ(f.close_code, close_code::kMessageTooBig);
}

TEST_F(WsFrameTest, AcceptsAMessageExactlyAtTheLimit) {
  ParsedFrame f = feed(clientFrame(0x82, std::string(1024, 'z')));
  ASSERT_EQ(f.kind, ParsedFrame::Kind::kMessage);
  EXPECT_EQ(f.opcode, Opcode::kBinary);
  EXPECT_EQ(f.payload.size(), 1024u);
}

TEST_F(WsFrameTest, ProtocolErrorsClose1002) {
  struct Case {
    std::string bytes;
    const char* what;
  };
  const Case cases[] = {
      {clientFrame(0x81, "x", false), "unmasked"},
      {clientFrame(0xC1, "x"), "reserved bit"},
      {clientFrame(0x83, "x"), "unknown opcode"},
      {clientFrame(0x09, "x"), "fragmented ping"},
      {clientFrame(0x89, std::string(126, 'p')), "long ping"},
      {clientFrame(0x80, "x"), "stray continuation"},
      {clientFrame(0x01, "a") + clientFrame(0x81, "b"), "new message inside a fragmented one"},
  };
  for (const auto& c : cases) {
    FrameParser parser(1024);
    parser.append(c.bytes.data(), c.bytes.size());
    ParsedFrame f = parser.next();
    if (f.kind == ParsedFrame::Kind::kIncomplete) f = parser.next();
    EXPECT_EQ(f.kind, ParsedFrame::Kind::kError) << c.what;
    EXPECT_EQ(f.close_code, close_code::kProtocolError) << c.what;
  }
}

TEST_F(WsFrameTest, EncodesTheThreeLengthForms) {
  EXPECT_EQ(encodeFrame(Opcode::kText, std::string(125, 'a')).size(), 2u + 125);
  std::string mid = encodeFrame(Opcode::kText, std::string(126, 'a'));
  EXPECT_EQ(static_cast<uint8_t>(mid[1]), 126);
  EXPECT_EQ(mid.size(), 4u + 126);
  std::string big = encodeFrame(Opcode::kBinary, std::string(70000, 'a'));
  EXPECT_EQ(static_cast<uint8_t>(big[0]), 0x82);
  EXPECT_EQ(static_cast<uint8_t>(big[1]), 127);
  EXPECT_EQ(big.size(), 10u + 70000);
}

TEST_F(WsFrameTest, CloseFrameCarriesCodeAndCutReason) {
  FramePtr f = closeFrame(close_code::kPolicyViolation, std::string(200, 'r'));
  ASSERT_EQ(f->size(), 2u + 125);
  EXPECT_EQ(static_cast<uint8_t>((*f)[0]), 0x88);
  EXPECT_EQ((static_cast<uint8_t>((*f)[2]) << 8) | static_cast<uint8_t>((*f)[3]), 1008);
}

}  // namespace
}  // namespace cc::ws
