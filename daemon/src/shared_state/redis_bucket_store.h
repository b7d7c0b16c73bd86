#pragma once
// The buckets of one rate limit rule in Redis, shared by every daemon on that Redis.

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "middleware/rate_limit_store.h"
#include "shared_state/redis_rate_limit_backend.h"

namespace cc::shared_state {

/// A BucketStore in Redis. Each take is one Lua script (GCRA: the key's theoretical arrival time,
/// with the server's TIME as the clock, so daemons' clocks do not matter), atomic on the server:
/// with burst N, N takes from any mix of daemons are admitted and the next is not. The numbers
/// (tokens, retry, full) are those of the in-process TokenBucket for the same limit.
///
/// A key Redis rejected is remembered here until its retry time, and rejected without a round
/// trip meanwhile (as Envoy's global rate limit does), so a flood costs Redis nothing. Another
/// daemon's reset of that key is seen here only after that time.
///
/// Keys (the rule's name in braces, so that a cluster would keep them on one slot):
/// PREFIX{rule}:b:KEY a hash (tat, requests) expiring when the bucket is full again;
/// PREFIX{rule}:expiry and PREFIX{rule}:requests sorted sets of the keys held, for size, top and
/// the bound (past max_keys, the keys closest to full are evicted); PREFIX{rule}:evictions.
///
/// While Redis cannot be reached, the backend's failure mode decides: local (this store's own
/// in-process buckets), open (BucketTake::undecided, admitted) or closed (undecided, rejected).
/// Thread-safe.
class RedisBucketStore final : public middleware::BucketStore {
 public:
  RedisBucketStore(std::shared_ptr<RedisRateLimitBackend> backend, const std::string& rule,
                   std::size_t max_keys);

  middleware::BucketTake take(const std::string& key, const middleware::BucketLimit& limit,
                              common::SteadyTime now) override;
  common::Result<bool> erase(const std::string& key) override;
  common::Result<std::size_t> clear() override;
  std::size_t size() const override;
  uint64_t evictions() const override;
  std::vector<middleware::BucketKeyStat> top(std::size_t n, const middleware::BucketLimit& limit,
                                             common::SteadyTime now) const override;
  std::string_view kind() const override { return "redis"; }

 private:
  struct Rejection {
    common::SteadyTime retry_at;
    common::SteadyTime full_at;
  };
  std::optional<middleware::BucketTake> cachedRejection(const std::string& key,
                                                        const middleware::BucketLimit& limit,
                                                        common::SteadyTime now);
  void cacheRejection(const std::string& key, const Rejection& rejection, common::SteadyTime now);
  middleware::BucketTake undecided(const std::string& key, const middleware::BucketLimit& limit,
                                   common::SteadyTime now, const std::string& error);
  std::string bucketKey(const std::string& key) const { return bucket_prefix_ + key; }

  std::shared_ptr<RedisRateLimitBackend> backend_;
  const std::size_t max_keys_;
  const std::string bucket_prefix_;  // PREFIX{rule}:b:
  const std::string expiry_index_;   // PREFIX{rule}:expiry
  const std::string request_index_;  // PREFIX{rule}:requests
  const std::string evictions_key_;  // PREFIX{rule}:evictions
  middleware::ShardedLruBucketStore fallback_;

  mutable std::mutex mu_;  // rejections_
  std::unordered_map<std::string, Rejection> rejections_;
};

}  // namespace cc::shared_state
