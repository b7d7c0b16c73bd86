#include "http/error_envelope.h"

#include "common/json_text.h"

namespace cc::http {

using common::jsonString;

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
