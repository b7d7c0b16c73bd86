#include "http/json_body.h"

#include <Poco/JSON/JSONException.h>
#include <Poco/JSON/Parser.h>

#include <sstream>

namespace cc::http {

common::Result<Poco::JSON::Object::Ptr> parseJsonObject(const RequestContext& ctx,
                                                        const common::JsonMemberCheck& members) {
  std::string type = ctx.header("Content-Type");
  std::string media = type.substr(0, type.find(';'));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  if (media != "application/json") {
    return common::Error{
        common::ErrorCode::kUnsupportedMediaType, "Content-Type must be application/json", {}, 0};
  }
  if (ctx.body.empty()) return common::Error::badRequest("request body is empty");
  auto checked = checkJsonText(ctx.body, kMaxJsonDepth, "request body", members);
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
