#include "http/json_body.h"

#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

#include "common/json_text.h"

namespace cc::http {

common::Status checkJsonText(const std::string& text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == 0) return common::Error::badRequest("request body contains a NUL byte");
    if (c >= 0x80) {
      // RFC 3629 strictly: overlong forms (C0 AF for '/'), surrogates and code points past
      // U+10FFFF are refused, as a later decoder could read them as other characters.
      std::size_t len = common::utf8SequenceLength(text, i);
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
