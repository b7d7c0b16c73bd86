#pragma once
// Turning a request body into JSON safely, and JSON values into reply text.

#include <Poco/JSON/Object.h>

#include <string>

#include "common/json_text.h"
#include "common/result.h"
#include "http/reply.h"
#include "http/request_context.h"

namespace cc::http {

// The checks before Poco's recursive parser sees a body live in common/, where the NDJSON
// import applies them to each line too.
using common::checkJsonText;
using common::kMaxJsonDepth;

/// The body as a JSON object. 415 unless Content-Type is application/json; 400 for an empty
/// body, invalid UTF-8, NUL bytes, nesting deeper than kMaxJsonDepth, malformed JSON or a
/// top-level value that is not an object. With `members`, each top-level member is checked
/// by it during the scan that precedes the parse (an unknown or oversized field refused with
/// its own error before any parse tree exists).
common::Result<Poco::JSON::Object::Ptr> parseJsonObject(
    const RequestContext& ctx, const common::JsonMemberCheck& members = {});

/// A new object that keeps keys in insertion order.
Poco::JSON::Object::Ptr newObject();
std::string toJson(const Poco::JSON::Object::Ptr& object);
std::string toJson(const Poco::JSON::Array::Ptr& array);
Reply jsonReply(int status, const Poco::JSON::Object::Ptr& object);

}  // namespace cc::http
