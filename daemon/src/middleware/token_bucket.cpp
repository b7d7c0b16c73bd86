#include "middleware/token_bucket.h"

#include <algorithm>

namespace cc::middleware {
namespace {

// Absorbs rounding in elapsed * count / period so that a token due at exactly t is there at t.
constexpr double kEpsilon = 1e-9;

double refilled(double tokens, common::SteadyTime from, const BucketLimit& limit,
                common::SteadyTime now) {
  // A bucket carried over a reload may hold more than a lowered burst allows.
  tokens = std::min(tokens, limit.burst);
  if (now <= from) return tokens;
  double elapsed_s = std::chrono::duration<double>(now - from).count();
  return std::min(limit.burst, tokens + elapsed_s * limit.count / limit.period_s);
}

double secondsFor(double tokens, const BucketLimit& limit) {
  return tokens <= kEpsilon ? 0.0 : tokens * limit.period_s / limit.count;
}

}  // namespace

BucketTake TokenBucket::take(const BucketLimit& limit, common::SteadyTime now) {
  tokens_ = refilled(tokens_, updated_, limit, now);
  if (now > updated_) updated_ = now;
  BucketTake out;
  if (tokens_ + kEpsilon >= 1.0) {
    tokens_ = std::max(0.0, tokens_ - 1.0);
    out.admitted = true;
  } else {
    out.retry_after_s = secondsFor(1.0 - tokens_, limit);
  }
  out.tokens = tokens_;
  out.full_after_s = secondsFor(limit.burst - tokens_, limit);
  return out;
}

double TokenBucket::peek(const BucketLimit& limit, common::SteadyTime now) const {
  return refilled(tokens_, updated_, limit, now);
}

}  // namespace cc::middleware
