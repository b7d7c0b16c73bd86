#include "ws/frame.h"

#include <algorithm>

namespace cc::ws {
namespace {

constexpr std::size_t kMaxControlPayload = 125;

bool isControl(uint8_t opcode) { return (opcode & 0x8) != 0; }

bool isKnown(uint8_t opcode) { return opcode <= 0x2 || (opcode >= 0x8 && opcode <= 0xA); }

}  // namespace

std::string encodeFrame(Opcode opcode, std::string_view payload) {
  if (isControl(static_cast<uint8_t>(opcode)) && payload.size() > kMaxControlPayload) {
    payload = payload.substr(0, kMaxControlPayload);
  }
  std::string out;
  out.reserve(payload.size() + 10);
  out.push_back(static_cast<char>(0x80 | static_cast<uint8_t>(opcode)));
  uint64_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(126));
    out.push_back(static_cast<char>((n >> 8) & 0xFF));
    out.push_back(static_cast<char>(n & 0xFF));
  } else {
    out.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8) {
      out.push_back(static_cast<char>((n >> shift) & 0xFF));
    }
  }
  out.append(payload.data(), payload.size());
  return out;
}

FramePtr textFrame(std::string_view payload) {
  return std::make_shared<const std::string>(encodeFrame(Opcode::kText, payload));
}

FramePtr closeFrame(uint16_t code, std::string_view reason) {
  std::string payload;
  payload.push_back(static_cast<char>(code >> 8));
  payload.push_back(static_cast<char>(code & 0xFF));
  payload.append(reason.substr(0, kMaxControlPayload - 2));
  return std::make_shared<const std::string>(encodeFrame(Opcode::kClose, payload));
}

void FrameParser::append(const char* data, std::size_t size) {
  if (failed_) return;
  if (pos_ > 0) {
    buffer_.erase(0, pos_);
    pos_ = 0;
  }
  buffer_.append(data, size);
}

ParsedFrame FrameParser::fail(uint16_t code, std::string why) {
  failed_ = true;
  failure_.kind = ParsedFrame::Kind::kError;
  failure_.close_code = code;
  failure_.error = std::move(why);
  buffer_.clear();
  message_.clear();
  pos_ = 0;
  return failure_;
}

ParsedFrame FrameParser::next() {
  if (failed_) return failure_;
  while (true) {
    const std::size_t avail = buffer_.size() - pos_;
    if (avail < 2) return {};
    const auto* p = reinterpret_cast<const uint8_t*>(buffer_.data() + pos_);
    const bool fin = (p[0] & 0x80) != 0;
    const uint8_t opcode = p[0] & 0x0F;
    if ((p[0] & 0x70) != 0) return fail(close_code::kProtocolError, "reserved bits set");
    if (!isKnown(opcode)) return fail(close_code::kProtocolError, "unknown opcode");
    if ((p[1] & 0x80) == 0) return fail(close_code::kProtocolError, "client frame not masked");
    const uint8_t len7 = p[1] & 0x7F;
    const std::size_t ext = len7 == 126 ? 2 : len7 == 127 ? 8 : 0;
    const std::size_t header = 2 + ext + 4;
    if (avail < header) return {};
    uint64_t length = len7;
    if (ext > 0) {
      length = 0;
      for (std::size_t i = 0; i < ext; ++i) length = (length << 8) | p[2 + i];
    }
    if (isControl(opcode)) {
      if (!fin || length > kMaxControlPayload) {
        return fail(close_code::kProtocolError, "fragmented or oversized control frame");
      }
    } else {
      if (opcode == 0 && !in_message_) {
        return fail(close_code::kProtocolError, "continuation without a message");
      }
      if (opcode != 0 && in_message_) {
        return fail(close_code::kProtocolError, "new message inside a fragmented one");
      }
      // Checked against the declared length, before a byte of the payload is kept.
      if (length > max_message_bytes_ || message_.size() + length > max_message_bytes_) {
        return fail(close_code::kMessageTooBig, "message exceeds ws.max_message_bytes (" +
                                                    std::to_string(max_message_bytes_) + ")");
      }
    }
    if (avail - header < length) return {};

    const uint8_t* mask = p + 2 + ext;
    const char* data = buffer_.data() + pos_ + header;
    std::string payload(data, static_cast<std::size_t>(length));
    for (std::size_t i = 0; i < payload.size(); ++i) {
      payload[i] = static_cast<char>(static_cast<uint8_t>(payload[i]) ^ mask[i % 4]);
    }
    pos_ += header + static_cast<std::size_t>(length);

    if (isControl(opcode)) {
      ParsedFrame out;
      out.kind = ParsedFrame::Kind::kMessage;
      out.opcode = static_cast<Opcode>(opcode);
      out.payload = std::move(payload);
      return out;
    }
    if (opcode != 0) message_opcode_ = static_cast<Opcode>(opcode);
    if (fin && message_.empty()) {
      in_message_ = false;
      ParsedFrame out;
      out.kind = ParsedFrame::Kind::kMessage;
      out.opcode = message_opcode_;
      out.payload = std::move(payload);
      return out;
    }
    message_ += payload;
    in_message_ = !fin;
    if (fin) {
      ParsedFrame out;
      out.kind = ParsedFrame::Kind::kMessage;
      out.opcode = message_opcode_;
      out.payload = std::move(message_);
      message_.clear();
      return out;
    }
  }
}

}  // namespace cc::ws
