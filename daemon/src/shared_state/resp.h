#pragma once
// The Redis protocol (RESP2) for the connections that do not go through Poco's client: commands
// as bytes, and replies read incrementally from whatever the socket delivered so far.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cc::shared_state {

/// One RESP2 value. A plain value.
struct RespValue {
  enum class Type { kSimple, kError, kInteger, kBulk, kNullBulk, kArray, kNullArray };
  Type type = Type::kNullBulk;
  std::string text;              ///< kSimple, kError, kBulk
  int64_t integer = 0;           ///< kInteger
  std::vector<RespValue> items;  ///< kArray

  bool isArrayOf(std::size_t n) const { return type == Type::kArray && items.size() == n; }
  /// The text of a simple or bulk string; "" for anything else.
  const std::string& str() const;
};

/// `args` as a RESP2 command: an array of bulk strings.
std::string encodeCommand(const std::vector<std::string>& args);

/// Reads replies out of a byte stream that arrives in pieces. Feed what the socket gave, then
/// take complete values with next() until it has none. Bounded: a value larger than
/// `max_bytes`, deeper than eight levels or malformed makes the reader fail for good (the
/// connection must then be dropped). Not thread-safe.
class RespReader {
 public:
  explicit RespReader(std::size_t max_bytes = 16 * 1024 * 1024) : max_bytes_(max_bytes) {}

  void feed(std::string_view bytes);
  /// The next complete value, or nothing until more bytes arrive (or after failed()).
  std::optional<RespValue> next();
  /// Why the stream cannot be read any further; empty while it can.
  const std::string& failed() const { return error_; }

 private:
  /// Parses one value at `pos`; false when the buffer ends before it does (or on an error).
  bool parse(std::size_t& pos, RespValue& out, int depth);
  bool line(std::size_t& pos, std::string_view& out);
  bool fail(std::string why);

  std::size_t max_bytes_;
  std::string buffer_;
  std::size_t start_ = 0;  // where the next value begins in buffer_
  std::string error_;
};

}  // namespace cc::shared_state
