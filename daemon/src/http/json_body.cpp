#include "http/json_body.h"

#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

namespace cc::http {

common::Status checkJsonText(const std::string& text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c == 0) return common::Error::badRequest("request body contains a NUL byte");
    if (c >= 0x80) {
      int len = (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
      if (len == 0 || i + len > text.size()) {
        return common::Error::badRequest("request body is not valid UTF-8");
      }
      for (int k = 1; k < len; ++k) {
        if ((static_cast<unsigned char>(text[i + k]) >> 6) != 0x2) {
          return common::Error::badRequest("request body is not valid UTF-8");
        }
      }
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
