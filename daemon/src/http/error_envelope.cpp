#include "http/error_envelope.h"

#include <cstdio>

namespace cc::http {

std::string jsonString(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '"';
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else if (c < 0x80) {
          out += static_cast<char>(c);
        } else {
          // Copy a valid UTF-8 sequence; replace anything else so the output stays valid JSON.
          int len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
          bool valid = len > 0 && i + len <= text.size();
          for (int k = 1; valid && k < len; ++k) {
            valid = (static_cast<unsigned char>(text[i + k]) >> 6) == 0x2;
          }
          if (valid) {
            out.append(text.substr(i, len));
            i += len - 1;
          } else {
            out += "\\ufffd";
          }
        }
    }
  }
  out += '"';
  return out;
}

std::string errorBody(int status, std::string_view code, const std::string& message,
                      const std::string& request_id, const std::string& field) {
  std::string body = "{\"error\":{\"status\":" + std::to_string(status) +
                     ",\"code\":" + jsonString(code) + ",\"message\":" + jsonString(message) +
                     ",\"request_id\":" + jsonString(request_id);
  if (!field.empty()) body += ",\"field\":" + jsonString(field);
  body += "}}";
  return body;
}

Reply errorReply(const common::Error& error, const std::string& request_id) {
  int status = common::httpStatus(error.code);
  Reply reply = Reply::json(status, errorBody(status, common::codeName(error.code), error.message,
                                              request_id, error.field));
  reply.error_code = std::string(common::codeName(error.code));
  if (error.retry_after_s > 0) reply.setHeader("Retry-After", std::to_string(error.retry_after_s));
  return reply;
}

}  // namespace cc::http
