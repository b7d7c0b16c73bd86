#include "http/json_body.h"

#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

namespace cc::http {
namespace {

// Length of the multi-byte UTF-8 sequence at `i`, 0 when it is not valid RFC 3629 UTF-8.
// Overlong forms (C0 AF for '/', C0 80 for NUL), UTF-16 surrogates (ED A0..BF) and code
// points past U+10FFFF are rejected: a later decoder could read them as other characters.
std::size_t utf8SequenceLength(const std::string& text, std::size_t i) {
  auto c = static_cast<unsigned char>(text[i]);
  std::size_t len = 0;
  unsigned char lo = 0x80;
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  auto second = static_cast<unsigned char>(text[i + 1]);
  if (second < lo || second > hi) return 0;
  for (std::size_t k = 2; k < len; ++k) {
    if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) return 0;
  }
  return len;
}

}  // namespace

common::Status checkJsonText(const std::string& text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == 0) return common::Error::badRequest("request body contains a NUL byte");
    if (c >= 0x80) {
      std::size_t len = utf8SequenceLength(text, i);
      if (len == 0) return common::Error::badRequest("request body is not valid UTF-8");
      i += len - 1;
      continue;
    }
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) {
        return common::Error::badRequest("JSON nesting deeper than " + std::to_string(max_depth));
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return common::Ok{};
}

common::Result<Poco::JSON::Object::Ptr> parseJsonObject(const RequestContext& ctx) {
  std::string type = ctx.header("Content-Type");
  std::string media = type.substr(0, type.find(';'));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  if (media != "application/json") {
    return common::Error{
        common::ErrorCode::kUnsupportedMediaType, "Content-Type must be application/json", {}, 0};
  }
  if (ctx.body.empty()) return common::Error::badRequest("request body is empty");
  auto checked = checkJsonText(ctx.body);
  if (!checked) return checked.error();
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var value = parser.parse(ctx.body);
    if (value.type() != typeid(Poco::JSON::Object::Ptr)) {
      return common::Error::badRequest("request body must be a JSON object");
    }
    return value.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return common::Error::badRequest("malformed JSON: " + e.message());
  }
}

Poco::JSON::Object::Ptr newObject() {
  return new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
}

std::string toJson(const Poco::JSON::Object::Ptr& object) {
  std::ostringstream out;
  object->stringify(out);
  return out.str();
}

std::string toJson(const Poco::JSON::Array::Ptr& array) {
  std::ostringstream out;
  array->stringify(out);
  return out.str();
}

Reply jsonReply(int status, const Poco::JSON::Object::Ptr& object) {
  return Reply::json(status, toJson(object));
}

}  // namespace cc::http
