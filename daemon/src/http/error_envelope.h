#pragma once
// The JSON error envelope every non-2xx answer carries.

#include <string>

#include "common/error.h"
#include "http/reply.h"

namespace cc::http {

/// {"error":{"status":…,"code":…,"message":…,"request_id":…[,"field":…]}} with the status from
/// the error table; adds Retry-After when the error asks for it.
Reply errorReply(const common::Error& error, const std::string& request_id);

/// The envelope's JSON text alone, for places that write bytes directly.
std::string errorBody(int status, std::string_view code, const std::string& message,
                      const std::string& request_id, const std::string& field = {});

}  // namespace cc::http
