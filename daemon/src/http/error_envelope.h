#pragma once
// The JSON error envelope every non-2xx answer carries.

#include <string>
#include <string_view>

#include "common/error.h"
#include "http/reply.h"
#include "http/request_context.h"

namespace cc::http {

/// The one writer of the envelope's JSON text:
/// {"error":{"status":…,"code":…,"message":…,"request_id":…[,"field":…]}}, the status and the
/// code taken from the error table.
std::string errorBody(const common::Error& error, const std::string& request_id);

/// The envelope as a Reply, with the status from the error table and the typed code set; adds
/// Retry-After when the error asks for it.
Reply errorReply(const common::Error& error, const std::string& request_id);

/// 504 `timeout`: the request's handler did not answer within its budget (ctx.budget).
Reply deadlineReply(const RequestContext& ctx);

/// A whole HTTP/1.1 answer carrying the envelope, with Connection: close, for the places that
/// write bytes to a socket without a Poco response: before a request has been parsed, and at
/// accept. Adds Retry-After when the error asks for it, and Date when `date` is not empty.
std::string rawErrorResponse(const common::Error& error, const std::string& request_id,
                             std::string_view date);

}  // namespace cc::http
