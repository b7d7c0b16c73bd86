#pragma once
// The one table of error codes: each maps to an HTTP status and a stable snake_case code.

#include <string>
#include <string_view>

namespace cc::common {

/// Every failure a client can see. The ctl and API clients branch on the code string.
enum class ErrorCode {
  kBadRequest,             // 400 bad_request
  kValidation,             // 400 validation_failed (a named field is wrong)
  kUnauthorized,           // 401 unauthorized
  kForbidden,              // 403 forbidden
  kNotFound,               // 404 not_found
  kMethodNotAllowed,       // 405 method_not_allowed
  kRequestTimeout,         // 408 request_timeout (the client was too slow)
  kConflict,               // 409 conflict
  kPayloadTooLarge,        // 413 payload_too_large
  kUriTooLong,             // 414 uri_too_long
  kUnsupportedMediaType,   // 415 unsupported_media_type
  kRateLimited,            // 429 rate_limited
  kHeadersTooLarge,        // 431 headers_too_large
  kInternal,               // 500 internal_error
  kDbPoolExhausted,        // 503 db_pool_exhausted
  kDependencyUnavailable,  // 503 dependency_unavailable
  kUnavailable,            // 503 unavailable (draining, not ready, over capacity)
  kOverloaded,             // 503 overloaded (out of file descriptors: answered at accept)
  kTimeout,                // 504 timeout (our own deadline ran out)
  kInsufficientStorage,    // 507 insufficient_storage
};

/// HTTP status for a code.
int httpStatus(ErrorCode code);
/// Stable snake_case name for a code.
std::string_view codeName(ErrorCode code);

/// An expected failure, carried as a value. `field` names the offending input when there is one;
/// `retry_after_s` > 0 asks the client to come back later.
struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  std::string field;
  int retry_after_s = 0;

  static Error badRequest(std::string msg) {
    return {ErrorCode::kBadRequest, std::move(msg), {}, 0};
  }
  static Error invalid(std::string field_name, std::string msg) {
    return {ErrorCode::kValidation, std::move(msg), std::move(field_name), 0};
  }
  static Error notFound(std::string msg) { return {ErrorCode::kNotFound, std::move(msg), {}, 0}; }
  static Error conflict(std::string msg) { return {ErrorCode::kConflict, std::move(msg), {}, 0}; }
  static Error unavailable(ErrorCode c, std::string msg, int retry_after = 1) {
    return {c, std::move(msg), {}, retry_after};
  }
  /// 503 dependency_unavailable, retry after 1 s: the store (or another backend) cannot answer.
  static Error dependencyUnavailable(std::string msg) {
    return unavailable(ErrorCode::kDependencyUnavailable, std::move(msg), 1);
  }
};

}  // namespace cc::common
