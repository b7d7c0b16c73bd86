#pragma once
// Where rate limit buckets live: an interface (so a shared store such as Redis can slot in) and
// the in-memory sharded LRU store used by default.

#include <atomic>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "middleware/token_bucket.h"

namespace cc::middleware {

/// One key as the admin view shows it.
struct BucketKeyStat {
  std::string key;
  double tokens = 0;
  uint64_t requests = 0;  ///< takes since the key's bucket was created
};

/// The buckets of one rate limit rule, keyed by client address, user or a single global key.
/// Implementations are thread-safe and bounded in memory.
class BucketStore {
 public:
  virtual ~BucketStore() = default;
  /// Refills the key's bucket and takes a token if there is one, atomically. An unknown key gets
  /// a full bucket first (evicting the least recently used key if the store is full).
  virtual BucketTake take(const std::string& key, const BucketLimit& limit,
                          common::SteadyTime now) = 0;
  /// Forgets one key (its next request starts with a full bucket); false if it was not there.
  /// An error only from a shared store that cannot reach its server.
  virtual common::Result<bool> erase(const std::string& key) = 0;
  /// Forgets every key; returns how many there were (or, for a shared store, an error).
  virtual common::Result<std::size_t> clear() = 0;
  /// Keys held (0 when a shared store cannot tell).
  virtual std::size_t size() const = 0;
  /// Keys evicted to stay within the bound, since the store was created.
  virtual uint64_t evictions() const = 0;
  /// The `n` keys with the most requests, busiest first, with their tokens at `now`.
  virtual std::vector<BucketKeyStat> top(std::size_t n, const BucketLimit& limit,
                                         common::SteadyTime now) const = 0;
  /// Where the buckets live, for the admin view: "local" or "redis".
  virtual std::string_view kind() const { return "local"; }
};

/// In-memory store: keys hash onto shards, each a mutex-guarded LRU list plus hash index, so a
/// take is O(1) and contention is split `shards` ways. Capacity is divided between the shards
/// (the total never exceeds `max_keys`); eviction is least-recently-used within a shard, which is
/// exact LRU when there is one shard.
class ShardedLruBucketStore final : public BucketStore {
 public:
  explicit ShardedLruBucketStore(std::size_t max_keys, std::size_t shards = 16);

  BucketTake take(const std::string& key, const BucketLimit& limit,
                  common::SteadyTime now) override;
  common::Result<bool> erase(const std::string& key) override;
  common::Result<std::size_t> clear() override;
  std::size_t size() const override;
  uint64_t evictions() const override { return evictions_.load(std::memory_order_relaxed); }
  std::vector<BucketKeyStat> top(std::size_t n, const BucketLimit& limit,
                                 common::SteadyTime now) const override;
  std::size_t maxKeys() const { return max_keys_; }

 private:
  struct Entry {
    std::string key;
    TokenBucket bucket;
    uint64_t requests;
  };
  struct Shard {
    mutable std::mutex mu;
    std::list<Entry> lru;  // most recently used first
    std::unordered_map<std::string, std::list<Entry>::iterator> index;
    std::size_t capacity = 0;
  };
  Shard& shardFor(const std::string& key);

  std::size_t max_keys_;
  std::vector<std::unique_ptr<Shard>> shards_;
  std::atomic<uint64_t> evictions_{0};
};

}  // namespace cc::middleware
