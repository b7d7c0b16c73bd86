#include "middleware/rate_limit_store.h"

#include <algorithm>
#include <functional>

namespace cc::middleware {

ShardedLruBucketStore::ShardedLruBucketStore(std::size_t max_keys, std::size_t shards)
    : max_keys_(std::max<std::size_t>(1, max_keys)) {
  // Never more shards than keys, so that every shard can hold at least one.
  std::size_t n = std::clamp<std::size_t>(shards, 1, max_keys_);
  for (std::size_t i = 0; i < n; ++i) {
    auto shard = std::make_unique<Shard>();
    shard->capacity = max_keys_ / n + (i < max_keys_ % n ? 1 : 0);
    shard->index.reserve(std::min<std::size_t>(shard->capacity, 1024));
    shards_.push_back(std::move(shard));
  }
}

ShardedLruBucketStore::Shard& ShardedLruBucketStore::shardFor(const std::string& key) {
  return *shards_[std::hash<std::string>{}(key) % shards_.size()];
}

BucketTake ShardedLruBucketStore::take(const std::string& key, const BucketLimit& limit,
                                       common::SteadyTime now) {
  Shard& shard = shardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.index.find(key);
  if (it != shard.index.end()) {
    shard.lru.splice(shard.lru.begin(), shard.lru, it->second);
  } else {
    if (shard.lru.size() >= shard.capacity) {
      shard.index.erase(shard.lru.back().key);
      shard.lru.pop_back();
      evictions_.fetch_add(1, std::memory_order_relaxed);
    }
    shard.lru.push_front(Entry{key, TokenBucket(limit, now), 0});
    it = shard.index.emplace(key, shard.lru.begin()).first;
  }
  Entry& entry = *it->second;
  ++entry.requests;
  return entry.bucket.take(limit, now);
}

common::Result<bool> ShardedLruBucketStore::erase(const std::string& key) {
  Shard& shard = shardFor(key);
  std::lock_guard<std::mutex> lock(shard.mu);
  auto it = shard.index.find(key);
  if (it == shard.index.end()) return false;
  shard.lru.erase(it->second);
  shard.index.erase(it);
  return true;
}

common::Result<std::size_t> ShardedLruBucketStore::clear() {
  std::size_t n = 0;
  for (auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard->mu);
    n += shard->lru.size();
    shard->lru.clear();
    shard->index.clear();
  }
  return n;
}

std::size_t ShardedLruBucketStore::size() const {
  std::size_t n = 0;
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard->mu);
    n += shard->lru.size();
  }
  return n;
}

std::vector<BucketKeyStat> ShardedLruBucketStore::top(std::size_t n, const BucketLimit& limit,
                                                      common::SteadyTime now) const {
  std::vector<BucketKeyStat> all;
  for (const auto& shard : shards_) {
    std::lock_guard<std::mutex> lock(shard->mu);
    for (const auto& e : shard->lru) all.push_back({e.key, e.bucket.peek(limit, now), e.requests});
  }
  auto busier = [](const BucketKeyStat& a, const BucketKeyStat& b) {
    return a.requests != b.requests ? a.requests > b.requests : a.key < b.key;
  };
  std::size_t keep = std::min(n, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(keep), all.end(),
                    busier);
  all.resize(keep);
  return all;
}

}  // namespace cc::middleware
