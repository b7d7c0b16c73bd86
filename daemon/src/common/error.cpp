#include "common/error.h"

namespace cc::common {
namespace {

struct ErrorSpec {
  int status;
  std::string_view name;
};

constexpr ErrorSpec kSpecs[] = {
    {400, "bad_request"},
    {400, "validation_failed"},
    {401, "unauthorized"},
    {403, "forbidden"},
    {404, "not_found"},
    {405, "method_not_allowed"},
    {408, "request_timeout"},
    {409, "conflict"},
    {413, "payload_too_large"},
    {414, "uri_too_long"},
    {415, "unsupported_media_type"},
    {429, "rate_limited"},
    {431, "headers_too_large"},
    {500, "internal_error"},
    {503, "db_pool_exhausted"},
    {503, "dependency_unavailable"},
    {503, "unavailable"},
    {503, "overloaded"},
    {504, "timeout"},
    {507, "insufficient_storage"},
};
static_assert(sizeof(kSpecs) / sizeof(kSpecs[0]) ==
                  static_cast<std::size_t>(ErrorCode::kInsufficientStorage) + 1,
              "every ErrorCode needs a row");

}  // namespace

int httpStatus(ErrorCode code) { return kSpecs[static_cast<std::size_t>(code)].status; }
std::string_view codeName(ErrorCode code) { return kSpecs[static_cast<std::size_t>(code)].name; }

}  // namespace cc::common
