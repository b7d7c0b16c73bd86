#include "common/json_text.h"

#include <cstdint>

namespace cc::common {

std::size_t utf8SequenceLength(std::string_view text, std::size_t i) {
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  auto cont = [&](std::size_t k) { return k < text.size() && (b(k) & 0xC0) == 0x80; };
  unsigned char c = b(i);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(i + 1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(i + 1) || !cont(i + 2)) return 0;
    if (c == 0xE0 && b(i + 1) < 0xA0) return 0;   // overlong
    if (c == 0xED && b(i + 1) >= 0xA0) return 0;  // UTF-16 surrogates
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(i + 1) || !cont(i + 2) || !cont(i + 3)) return 0;
    if (c == 0xF0 && b(i + 1) < 0x90) return 0;   // overlong
    if (c == 0xF4 && b(i + 1) >= 0x90) return 0;  // past U+10FFFF
    return 4;
  }
  return 0;
}

void appendJsonString(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (std::size_t i = 0; i < text.size();) {
    // The run of bytes that need no escape goes in one append: a row's names, roles and times
    // are all such bytes, and a byte at a time was the largest part of rendering a page.
    std::size_t run = i;
    while (run < text.size()) {
      const auto b = static_cast<unsigned char>(text[run]);
      if (b < 0x20 || b >= 0x7f || b == '"' || b == '\\') break;
      ++run;
    }
    if (run > i) {
      out.append(text.data() + i, run - i);
      i = run;
      continue;
    }
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out.append("\\u00");
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0xf]);
          } else {
            out.push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    std::size_t n = utf8SequenceLength(text, i);
    if (n == 0) {
      out.append("\xEF\xBF\xBD");  // U+FFFD
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  out.push_back('"');
}

std::string jsonString(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  appendJsonString(out, text);
  return out;
}

namespace {

// A member name far longer than any field we know is unknown whatever its tail: keep no more.
constexpr std::size_t kMaxMemberName = 1024;

void appendUtf8(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// Four hex digits at raw[at], or -1.
int32_t hex4(std::string_view raw, std::size_t at) {
  if (at + 4 > raw.size()) return -1;
  int32_t v = 0;
  for (std::size_t k = at; k < at + 4; ++k) {
    const char c = raw[k];
    v <<= 4;
    if (c >= '0' && c <= '9') {
      v |= c - '0';
    } else if (c >= 'a' && c <= 'f') {
      v |= c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      v |= c - 'A' + 10;
    } else {
      return -1;
    }
  }
  return v;
}

// A member name as a parser reads it: "n\u0061me" is the field name. A malformed escape is
// kept as sent; the parser refuses the text afterwards anyway.
std::string decodeMemberName(std::string_view raw) {
  std::string out;
  out.reserve(raw.size());
  for (std::size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\' || i + 1 >= raw.size()) {
      out.push_back(raw[i]);
      continue;
    }
    const char e = raw[++i];
    switch (e) {
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 't':
        out.push_back('\t');
        break;
      case 'u': {
        int32_t cp = hex4(raw, i + 1);
        if (cp < 0) {
          out.push_back('\\');
          out.push_back(e);
          break;
        }
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 < raw.size() && raw[i + 1] == '\\' &&
            raw[i + 2] == 'u') {
          const int32_t low = hex4(raw, i + 3);
          if (low >= 0xDC00 && low <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          }
        }
        appendUtf8(out, static_cast<uint32_t>(cp));
        break;
      }
      default:  // \" \\ \/
        out.push_back(e);
    }
  }
  return out;
}

}  // namespace

Status checkJsonText(std::string_view text, int max_depth, std::string_view subject,
                     const JsonMemberCheck& members) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  // Where the scan is among the members of a top-level object (only with `members`).
  enum class Member { kOutside, kName, kColon, kValue } member = Member::kOutside;
  bool seen_token = false;
  std::string name;
  std::size_t value_bytes = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == 0) return Error::badRequest(std::string(subject) + " contains a NUL byte");
    const bool top = depth == 1 && member != Member::kOutside;
    if (c >= 0x80) {
      // RFC 3629 strictly: overlong forms (C0 AF for '/'), surrogates and code points past
      // U+10FFFF are refused, as a later decoder could read them as other characters.
      std::size_t len = utf8SequenceLength(text, i);
      if (len == 0) return Error::badRequest(std::string(subject) + " is not valid UTF-8");
      if (member == Member::kValue) value_bytes += len;
      if (top && member == Member::kName && in_string && name.size() < kMaxMemberName) {
        name.append(text.substr(i, len));
      }
      i += len - 1;
      continue;
    }
    if (in_string) {
      if (member == Member::kValue) ++value_bytes;
      const bool closes = !escaped && c == '"';
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      if (top && member == Member::kName) {
        if (closes) {
          member = Member::kColon;
        } else if (name.size() < kMaxMemberName) {
          name.push_back(static_cast<char>(c));
        }
      }
      continue;
    }
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    if (top && member == Member::kValue && (c == ',' || c == '}')) {
      if (auto st = members(decodeMemberName(name), value_bytes); !st.ok()) return st;
      name.clear();
      member = Member::kName;
      if (c == '}') --depth;
      continue;
    }
    if (member == Member::kValue) ++value_bytes;
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (members && !seen_token && c == '{') member = Member::kName;
      if (++depth > max_depth) {
        return Error::badRequest("JSON nesting deeper than " + std::to_string(max_depth));
      }
    } else if (c == ':' && top && member == Member::kColon) {
      member = Member::kValue;
      value_bytes = 0;
    } else if (c == '}' || c == ']') {
      --depth;
      if (depth == 0) member = Member::kOutside;
    }
    seen_token = true;
  }
  return Ok{};
}

}  // namespace cc::common
