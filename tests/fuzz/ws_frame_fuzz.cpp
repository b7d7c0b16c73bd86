// Client bytes through the WebSocket frame parser, in reads of fuzzed sizes, and the messages it
// yields through a Session (auth, subscribe, ping, close), as the I/O loop drives them.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "ws/frame.h"
#include "ws/hub_settings.h"
#include "ws/session.h"

namespace {

using cc::ws::FrameParser;
using cc::ws::Opcode;
using cc::ws::ParsedFrame;

bool isControl(Opcode op) { return (static_cast<uint8_t>(op) & 0x8) != 0; }

// A final, masked client frame, as a browser would send it.
std::string maskedFrame(Opcode opcode, const std::string& payload, uint32_t key) {
  std::string plain = cc::ws::encodeFrame(opcode, payload);
  std::size_t header = plain.size() - payload.size();
  std::string out = plain.substr(0, header);
  out[1] = static_cast<char>(static_cast<uint8_t>(out[1]) | 0x80);
  const uint8_t mask[4] = {static_cast<uint8_t>(key >> 24), static_cast<uint8_t>(key >> 16),
                           static_cast<uint8_t>(key >> 8), static_cast<uint8_t>(key)};
  out.append(reinterpret_cast<const char*>(mask), 4);
  for (std::size_t i = 0; i < payload.size(); ++i) {
    out.push_back(static_cast<char>(static_cast<uint8_t>(payload[i]) ^ mask[i % 4]));
  }
  return out;
}

void checkRoundTrip(const ParsedFrame& f, std::size_t max_bytes, uint32_t key) {
  FrameParser again(max_bytes);
  std::string bytes = maskedFrame(f.opcode, f.payload, key);
  again.append(bytes.data(), bytes.size());
  ParsedFrame g = again.next();
  FUZZ_CHECK(g.kind == ParsedFrame::Kind::kMessage);
  FUZZ_CHECK(g.opcode == f.opcode && g.payload == f.payload);
  FUZZ_CHECK(again.buffered() == 0);
}

}  // namespace

// Input: [max-size byte][read-size byte][flags byte] then the client's bytes.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 3) return 0;
  cc::ws::HubSettings settings;
  settings.max_message_bytes = 125 + static_cast<std::size_t>(data[0]) * 8;
  const std::size_t read_size = 1 + data[1];
  const uint8_t flags = data[2];
  settings.max_messages_per_s = (flags & 1) != 0 ? 2 : 100000;
  settings.max_send_queue = 4 + (flags >> 4);
  data += 3;
  size -= 3;

  cc::ws::TokenValidator validator = [](const std::string& token) {
    return token == "good" ? std::optional<cc::http::Identity>(cc::http::Identity{"u", "viewer"})
                           : std::nullopt;
  };
  auto now = cc::common::SteadyTime{} + std::chrono::seconds(1000);
  auto endpoint = (flags & 2) != 0 ? cc::ws::Endpoint::kEvents : cc::ws::Endpoint::kMetrics;
  cc::ws::Session session(settings, endpoint, (flags & 4) != 0, std::nullopt, &validator, now);

  FrameParser parser(settings.max_message_bytes);
  bool failed = false;
  ParsedFrame failure;
  for (std::size_t off = 0; off < size; off += read_size) {
    std::size_t n = std::min(read_size, size - off);
    parser.append(reinterpret_cast<const char*>(data) + off, n);
    while (true) {
      ParsedFrame f = parser.next();
      if (f.kind == ParsedFrame::Kind::kIncomplete) break;
      if (f.kind == ParsedFrame::Kind::kError) {
        FUZZ_CHECK(f.close_code == cc::ws::close_code::kProtocolError ||
                   f.close_code == cc::ws::close_code::kMessageTooBig);
        FUZZ_CHECK(!f.error.empty());
        if (!failed) session.onParseError(f.close_code, f.error);
        failed = true;
        failure = f;
        break;
      }
      FUZZ_CHECK(!failed);
      if (isControl(f.opcode)) {
        FUZZ_CHECK(f.payload.size() <= 125);
        FUZZ_CHECK(f.opcode == Opcode::kClose || f.opcode == Opcode::kPing ||
                   f.opcode == Opcode::kPong);
      } else {
        FUZZ_CHECK(f.opcode == Opcode::kText || f.opcode == Opcode::kBinary);
        FUZZ_CHECK(f.payload.size() <= settings.max_message_bytes);
      }
      checkRoundTrip(f, settings.max_message_bytes, static_cast<uint32_t>(off * 2654435761u));
      now += std::chrono::milliseconds(10);
      session.onFrame(f.opcode, f.payload, now);
      if (!session.authenticated()) FUZZ_CHECK(session.topics() == 0);
      FUZZ_CHECK(session.outbox().size() <= settings.max_send_queue + 1);
    }
    // Never more than a permitted message, one frame header and one read held.
    FUZZ_CHECK(parser.buffered() <= 2 * settings.max_message_bytes + 14 + read_size);
    if (failed) {
      ParsedFrame again = parser.next();
      FUZZ_CHECK(again.kind == ParsedFrame::Kind::kError && again.close_code == failure.close_code);
      break;
    }
    if ((flags & 8) != 0) {
      while (!session.outbox().empty()) session.outbox().advance(session.outbox().remaining());
    }
  }
  now += std::chrono::seconds(100);
  session.onTick(now);
  FUZZ_CHECK(session.outbox().size() <= settings.max_send_queue + 1);
  return 0;
}
