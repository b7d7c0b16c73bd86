#pragma once
// RFC 6455 framing for the server side: encoding unmasked frames, parsing masked client frames.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace cc::ws {

enum class Opcode : uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

/// Close status codes the hub sends (RFC 6455 section 7.4.1).
namespace close_code {
constexpr uint16_t kNormal = 1000;
constexpr uint16_t kGoingAway = 1001;
constexpr uint16_t kProtocolError = 1002;
constexpr uint16_t kPolicyViolation = 1008;
constexpr uint16_t kMessageTooBig = 1009;
}  // namespace close_code

/// An encoded frame, shared by every connection it is queued on (fan-out serialises once).
using FramePtr = std::shared_ptr<const std::string>;

/// One complete, unmasked, final server frame. Control frames are cut to 125 payload bytes.
std::string encodeFrame(Opcode opcode, std::string_view payload);
FramePtr textFrame(std::string_view payload);
/// A close frame with `code` and a reason cut to 123 bytes.
FramePtr closeFrame(uint16_t code, std::string_view reason);

/// What the parser found next in the bytes it was given.
struct ParsedFrame {
  enum class Kind { kIncomplete, kMessage, kError };
  Kind kind = Kind::kIncomplete;
  Opcode opcode = Opcode::kText;  // kText/kBinary for a whole message, or a control opcode
  std::string payload;            // unmasked; fragments joined
  uint16_t close_code = 0;        // kError: 1002 or 1009
  std::string error;              // kError: why, for the close reason
};

/// Incremental parser of client frames. Checks each header before it waits for the payload:
/// a message whose declared length (fragments included) passes `max_message_bytes` is an error
/// (1009) at once, so no more than one read chunk beyond a permitted frame is ever buffered.
/// Unmasked frames, reserved bits, unknown opcodes, fragmented or oversized control frames and
/// misplaced continuations are protocol errors (1002). After an error the parser stays failed.
/// UTF-8 of text messages is not checked here: the JSON layer rejects what it cannot read.
/// A plain value: not thread-safe.
class FrameParser {
 public:
  explicit FrameParser(std::size_t max_message_bytes) : max_message_bytes_(max_message_bytes) {}

  void append(const char* data, std::size_t size);
  /// The next complete message or control frame, kIncomplete when more bytes are needed.
  ParsedFrame next();
  /// Bytes held and not yet returned as messages.
  std::size_t buffered() const { return buffer_.size() - pos_ + message_.size(); }

 private:
  ParsedFrame fail(uint16_t code, std::string why);

  std::size_t max_message_bytes_;
  std::string buffer_;
  std::size_t pos_ = 0;  // start of the first unparsed byte in buffer_
  std::string message_;  // fragments of a message in progress
  Opcode message_opcode_ = Opcode::kText;
  bool in_message_ = false;
  bool failed_ = false;
  ParsedFrame failure_;
};

}  // namespace cc::ws
