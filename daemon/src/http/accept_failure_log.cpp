#include "http/accept_failure_log.h"

namespace cc::http {

std::optional<int64_t> AcceptFailureLog::failed(common::SteadyTime now) {
  if (last_line_ && now - *last_line_ < interval_) {
    ++suppressed_;
    return std::nullopt;
  }
  last_line_ = now;
  int64_t left_out = suppressed_;
  suppressed_ = 0;
  return left_out;
}

int64_t AcceptFailureLog::flush(common::SteadyTime now) {
  if (suppressed_ == 0 || (last_line_ && now - *last_line_ < interval_)) return 0;
  // The count now has its line: the next failure starts a new interval.
  last_line_ = now;
  int64_t left_out = suppressed_;
  suppressed_ = 0;
  return left_out;
}

}  // namespace cc::http
