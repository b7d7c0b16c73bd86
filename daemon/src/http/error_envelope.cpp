#include "http/error_envelope.h"

#include <Poco/Net/HTTPResponse.h>

#include <chrono>

#include "common/json_text.h"

namespace cc::http {

using common::jsonString;

std::string errorBody(const common::Error& error, const std::string& request_id) {
  std::string body = "{\"error\":{\"status\":" + std::to_string(common::httpStatus(error.code)) +
                     ",\"code\":" + jsonString(common::codeName(error.code)) +
                     ",\"message\":" + jsonString(error.message) +
                     ",\"request_id\":" + jsonString(request_id);
  if (!error.field.empty()) body += ",\"field\":" + jsonString(error.field);
  body += "}}";
  return body;
}

Reply errorReply(const common::Error& error, const std::string& request_id) {
  Reply reply = Reply::json(common::httpStatus(error.code), errorBody(error, request_id));
  reply.error_code = error.code;
  if (error.retry_after_s > 0) reply.setHeader("Retry-After", std::to_string(error.retry_after_s));
  return reply;
}

std::string rawErrorResponse(const common::Error& error, const std::string& request_id,
                             std::string_view date) {
  const int status = common::httpStatus(error.code);
  std::string body = errorBody(error, request_id);
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " +
                    Poco::Net::HTTPResponse::getReasonForStatus(
                        static_cast<Poco::Net::HTTPResponse::HTTPStatus>(status)) +
                    "\r\nContent-Type: application/json\r\n";
  if (error.retry_after_s > 0)
    out += "Retry-After: " + std::to_string(error.retry_after_s) + "\r\n";
  out += "Connection: close\r\n";
  if (!date.empty()) out += "Date: " + std::string(date) + "\r\n";
  out += "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n";
  out += body;
  return out;
}

Reply deadlineReply(const RequestContext& ctx) {
  auto budget = std::chrono::duration_cast<std::chrono::milliseconds>(ctx.deadline - ctx.started);
  return errorReply(
      {common::ErrorCode::kTimeout,
       "request did not finish within its budget of " + std::to_string(budget.count()) + " ms",
       {},
       0},
      ctx.request_id);
}

}  // namespace cc::http
