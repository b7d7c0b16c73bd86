#pragma once
// Turning a request body into JSON safely, and JSON values into reply text.

#include <Poco/JSON/Object.h>

#include <string>

#include "common/result.h"
#include "http/reply.h"
#include "http/request_context.h"

namespace cc::http {

/// Limits applied before Poco's recursive parser sees the body.
constexpr int kMaxJsonDepth = 32;

/// The body as a JSON object. 415 unless Content-Type is application/json; 400 for an empty
/// body, invalid UTF-8, NUL bytes, nesting deeper than kMaxJsonDepth, malformed JSON or a
/// top-level value that is not an object.
common::Result<Poco::JSON::Object::Ptr> parseJsonObject(const RequestContext& ctx);

/// Checks without parsing: valid UTF-8 (RFC 3629: no overlong forms, surrogates or code points
/// past U+10FFFF), no NUL, nesting within `max_depth`.
common::Status checkJsonText(const std::string& text, int max_depth = kMaxJsonDepth);

/// A new object that keeps keys in insertion order.
Poco::JSON::Object::Ptr newObject();
std::string toJson(const Poco::JSON::Object::Ptr& object);
std::string toJson(const Poco::JSON::Array::Ptr& array);
Reply jsonReply(int status, const Poco::JSON::Object::Ptr& object);

}  // namespace cc::http
