#include "domain/cursor.h"

#include <Poco/Base64Decoder.h>
#include <Poco/Base64Encoder.h>
#include <Poco/Exception.h>

#include <sstream>

#include "config/key_table.h"

namespace cc::domain {
namespace {

// Version, sort, key type and value, id; the separator cannot occur in a sort name, and a
// text key is the last field but one, so it may hold anything but the separator itself.
constexpr char kSeparator = '\x1f';
constexpr const char* kVersion = "c1";
constexpr std::size_t kMaxCursorText = 2048;

common::Error invalidCursor() {
  return common::Error::invalid("cursor",
                                "is not a cursor this server issued; pass next_cursor "
                                "from the previous page unchanged");
}

}  // namespace

std::string encodeCursor(const Cursor& cursor) {
  std::string raw = std::string(kVersion) + kSeparator + cursor.sort + kSeparator;
  if (const auto* n = std::get_if<int64_t>(&cursor.key)) {
    raw += 'i' + std::to_string(*n);
  } else {
    raw += 's' + std::get<std::string>(cursor.key);
  }
  raw += kSeparator + std::to_string(cursor.id);
  std::ostringstream out;
  Poco::Base64Encoder encoder(out, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
  encoder.rdbuf()->setLineLength(0);
  encoder << raw;
  encoder.close();
  return out.str();
}

common::Result<Cursor> decodeCursor(const std::string& text) {
  if (text.empty() || text.size() > kMaxCursorText) return invalidCursor();
  std::string raw;
  try {
    std::istringstream in(text);
    Poco::Base64Decoder decoder(in, Poco::BASE64_URL_ENCODING | Poco::BASE64_NO_PADDING);
    raw.assign(std::istreambuf_iterator<char>(decoder), std::istreambuf_iterator<char>());
  } catch (const Poco::Exception&) {
    return invalidCursor();
  }
  // c1 <sep> sort <sep> key <sep> id
  auto first = raw.find(kSeparator);
  auto second = first == std::string::npos ? first : raw.find(kSeparator, first + 1);
  auto last = raw.rfind(kSeparator);
  if (second == std::string::npos || last <= second || raw.substr(0, first) != kVersion) {
    return invalidCursor();
  }
  Cursor c;
  c.sort = raw.substr(first + 1, second - first - 1);
  std::string key = raw.substr(second + 1, last - second - 1);
  auto id = config::parseInt(raw.substr(last + 1));
  if (!id || *id < 0 || key.empty() || c.sort.empty()) return invalidCursor();
  c.id = *id;
  if (key[0] == 'i') {
    auto n = config::parseInt(key.substr(1));
    if (!n) return invalidCursor();
    c.key = *n;
  } else if (key[0] == 's') {
    c.key = key.substr(1);
  } else {
    return invalidCursor();
  }
  return c;
}

}  // namespace cc::domain
