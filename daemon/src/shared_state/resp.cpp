#include "shared_state/resp.h"

#include <charconv>

namespace cc::shared_state {

namespace {
constexpr int kMaxDepth = 8;
const std::string kEmpty;
}  // namespace

const std::string& RespValue::str() const {
  return type == Type::kSimple || type == Type::kBulk ? text : kEmpty;
}

std::string encodeCommand(const std::vector<std::string>& args) {
  std::string out = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) {
    out += "$" + std::to_string(a.size()) + "\r\n";
    out += a;
    out += "\r\n";
  }
  return out;
}

void RespReader::feed(std::string_view bytes) {
  if (!error_.empty()) return;
  // What was taken already goes before the buffer grows, so it holds one value at most.
  if (start_ > 0) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  buffer_.append(bytes);
  if (buffer_.size() > max_bytes_) fail("a reply of over " + std::to_string(max_bytes_) + " bytes");
}

std::optional<RespValue> RespReader::next() {
  if (!error_.empty()) return std::nullopt;
  std::size_t pos = start_;
  RespValue value;
  if (!parse(pos, value, 0)) return std::nullopt;
  start_ = pos;
  return value;
}

bool RespReader::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  buffer_.clear();
  start_ = 0;
  return false;
}

bool RespReader::line(std::size_t& pos, std::string_view& out) {
  const std::size_t end = buffer_.find("\r\n", pos);
  if (end == std::string::npos) return false;
  out = std::string_view(buffer_).substr(pos, end - pos);
  pos = end + 2;
  return true;
}

bool RespReader::parse(std::size_t& pos, RespValue& out, int depth) {
  if (depth > kMaxDepth) return fail("a reply nested deeper than " + std::to_string(kMaxDepth));
  if (pos >= buffer_.size()) return false;
  const char kind = buffer_[pos++];
  std::string_view head;
  if (!line(pos, head)) return false;
  auto number = [&](int64_t& n) {
    auto [end, ec] = std::from_chars(head.data(), head.data() + head.size(), n);
    return ec == std::errc() && end == head.data() + head.size() && !head.empty();
  };
  switch (kind) {
    case '+':
      out.type = RespValue::Type::kSimple;
      out.text = std::string(head);
      return true;
    case '-':
      out.type = RespValue::Type::kError;
      out.text = std::string(head);
      return true;
    case ':':
      out.type = RespValue::Type::kInteger;
      if (!number(out.integer)) return fail("a malformed integer reply");
      return true;
    case '$': {
      int64_t n = 0;
      if (!number(n) || n < -1) return fail("a malformed bulk string length");
      if (n == -1) {
        out.type = RespValue::Type::kNullBulk;
        return true;
      }
      if (static_cast<uint64_t>(n) > max_bytes_) return fail("a bulk string of over the limit");
      const auto size = static_cast<std::size_t>(n);
      if (buffer_.size() < pos + size + 2) return false;
      if (buffer_.compare(pos + size, 2, "\r\n") != 0) return fail("a bulk string without CRLF");
      out.type = RespValue::Type::kBulk;
      out.text = buffer_.substr(pos, size);
      pos += size + 2;
      return true;
    }
    case '*': {
      int64_t n = 0;
      if (!number(n) || n < -1) return fail("a malformed array length");
      if (n == -1) {
        out.type = RespValue::Type::kNullArray;
        return true;
      }
      // Every element takes at least three bytes ("+\r\n").
      if (static_cast<uint64_t>(n) > max_bytes_ / 3) return fail("an array of over the limit");
      out.type = RespValue::Type::kArray;
      out.items.clear();
      out.items.reserve(static_cast<std::size_t>(std::min<int64_t>(n, 1024)));
      for (int64_t i = 0; i < n; ++i) {
        RespValue item;
        if (!parse(pos, item, depth + 1)) return false;
        out.items.push_back(std::move(item));
      }
      return true;
    }
    default:
      return fail(std::string("an unknown reply type '") + kind + "'");
  }
}

}  // namespace cc::shared_state
