#pragma once
// A continuously refilled token bucket, the unit of state behind every rate limit rule.

#include "common/clock.h"

namespace cc::middleware {

/// `count` tokens are added every `period_s` seconds, continuously, up to `burst`.
struct BucketLimit {
  double count = 1;
  double period_s = 1;
  double burst = 1;
};

/// The outcome of one take.
struct BucketTake {
  bool admitted = false;
  double tokens = 0;         ///< tokens left after this take
  double retry_after_s = 0;  ///< until one whole token is there (0 when admitted)
  double full_after_s = 0;   ///< until the bucket is full again
  /// Set by a shared store that could not reach its server and applied its failure mode instead
  /// of deciding (ratelimit.redis_failure = open or closed): `admitted` is then that mode's
  /// answer and the numbers above mean nothing.
  bool undecided = false;
};

/// Token bucket state: a token count and when it was last brought up to date. A fresh bucket is
/// full, so with burst N exactly N back-to-back takes are admitted and the next is not. Refill is
/// computed on demand from steady time (elapsed * count / period, in doubles). A plain value: not
/// thread-safe, the store that holds it locks.
class TokenBucket {
 public:
  TokenBucket(const BucketLimit& limit, common::SteadyTime now)
      : tokens_(limit.burst), updated_(now) {}

  /// Refills up to `now` and takes one token when there is one.
  BucketTake take(const BucketLimit& limit, common::SteadyTime now);
  /// Tokens there would be at `now`, without changing anything.
  double peek(const BucketLimit& limit, common::SteadyTime now) const;

 private:
  double tokens_;
  common::SteadyTime updated_;
};

}  // namespace cc::middleware
