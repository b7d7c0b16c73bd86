#include "shared_state/redis_bucket_store.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "shared_state/redis_script.h"

namespace cc::shared_state {
namespace {

using middleware::BucketLimit;
using middleware::BucketTake;

// GCRA. tat: the theoretical arrival time, when the bucket will be full again; a take is admitted
// when tat + interval stays within burst * interval of now. Times in microseconds of the
// server's clock. Returns {admitted, tokens in thousandths, us until a token, us until full}.
// Stale index entries (buckets full again) are dropped a few per call; a new key past max_keys
// evicts the keys closest to full first.
const RedisScript kTakeScript(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local max_keys = tonumber(ARGV[3])
local capacity = interval * burst
local member = ARGV[5]
local tat = tonumber(redis.call('HGET', KEYS[1], 'tat')) or now
if tat < now then tat = now end
local admitted = 0
local new_tat = tat
if tat + interval - now <= capacity + 0.001 then
  admitted = 1
  new_tat = tat + interval
end
local full = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, 8)
for _, m in ipairs(full) do
  if m ~= member then
    redis.call('ZREM', KEYS[2], m)
    redis.call('ZREM', KEYS[3], m)
    redis.call('DEL', ARGV[4] .. m)
  end
end
if not redis.call('ZSCORE', KEYS[2], member) then
  local over = redis.call('ZCARD', KEYS[2]) - max_keys + 1
  if over > 0 then
    local evicted = redis.call('ZPOPMIN', KEYS[2], over)
    for i = 1, #evicted, 2 do
      redis.call('ZREM', KEYS[3], evicted[i])
      redis.call('DEL', ARGV[4] .. evicted[i])
      redis.call('INCR', KEYS[4])
    end
  end
end
local requests = redis.call('HINCRBY', KEYS[1], 'requests', 1)
redis.call('HSET', KEYS[1], 'tat', string.format('%.3f', new_tat))
redis.call('PEXPIRE', KEYS[1], math.ceil((new_tat - now) / 1000) + 1000)
redis.call('ZADD', KEYS[2], new_tat, member)
redis.call('ZADD', KEYS[3], requests, member)
local retry = 0
if admitted == 0 then retry = tat + interval - capacity - now end
local tokens = (capacity - (new_tat - now)) / interval
return {admitted, math.floor(tokens * 1000 + 0.5), math.ceil(retry), math.ceil(new_tat - now)}
)lua");

const RedisScript kEraseScript(R"lua(
local n = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return {n}
)lua");

const RedisScript kClearScript(R"lua(
local n = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  n = n + redis.call('DEL', ARGV[1] .. m)
end
redis.call('DEL', KEYS[1], KEYS[2])
return {n}
)lua");

// {keys whose bucket is not yet full, evictions}
const RedisScript kSizeScript(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
return {redis.call('ZCOUNT', KEYS[1], '(' .. now, '+inf'), tonumber(redis.call('GET', KEYS[2]) or '0')}
)lua");

// {key, requests, tokens in thousandths, ...} of the ARGV[1] busiest keys.
const RedisScript kTopScript(R"lua(
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local out = {}
local busiest = redis.call('ZREVRANGE', KEYS[1], 0, tonumber(ARGV[1]) - 1, 'WITHSCORES')
for i = 1, #busiest, 2 do
  local tat = tonumber(redis.call('HGET', ARGV[4] .. busiest[i], 'tat')) or now
  local tokens = burst - math.max(0, tat - now) / interval
  table.insert(out, busiest[i])
  table.insert(out, tonumber(busiest[i + 1]))
  table.insert(out, math.floor(tokens * 1000 + 0.5))
end
return out
)lua");

// Microseconds between two tokens.
double gcraIntervalUs(const BucketLimit& limit) { return limit.period_s * 1e6 / limit.count; }

std::string redisDecimal(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", v);
  return buf;
}

common::SteadyTime steadyAfterUs(common::SteadyTime now, int64_t us) {
  return now + std::chrono::microseconds(us);
}

double secondsFromTo(common::SteadyTime now, common::SteadyTime then) {
  return std::max(0.0, std::chrono::duration<double>(then - now).count());
}

}  // namespace

RedisBucketStore::RedisBucketStore(std::shared_ptr<RedisRateLimitBackend> backend,
                                   const std::string& rule, std::size_t max_keys)
    : backend_(std::move(backend)),
      max_keys_(std::max<std::size_t>(1, max_keys)),
      bucket_prefix_(backend_->keyPrefix() + "{" + rule + "}:b:"),
      expiry_index_(backend_->keyPrefix() + "{" + rule + "}:expiry"),
      request_index_(backend_->keyPrefix() + "{" + rule + "}:requests"),
      evictions_key_(backend_->keyPrefix() + "{" + rule + "}:evictions"),
      fallback_(max_keys) {}

std::optional<BucketTake> RedisBucketStore::cachedRejection(const std::string& key,
                                                            const BucketLimit& limit,
                                                            common::SteadyTime now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = rejections_.find(key);
  if (it == rejections_.end()) return std::nullopt;
  if (now >= it->second.retry_at) {
    rejections_.erase(it);
    return std::nullopt;
  }
  BucketTake take;
  take.retry_after_s = secondsFromTo(now, it->second.retry_at);
  take.full_after_s = secondsFromTo(now, it->second.full_at);
  // The same arithmetic as the script: the bucket is short of full by full_after / interval.
  take.tokens = std::max(0.0, limit.burst - take.full_after_s * limit.count / limit.period_s);
  return take;
}

void RedisBucketStore::cacheRejection(const std::string& key, const Rejection& rejection,
                                      common::SteadyTime now) {
  std::lock_guard<std::mutex> lock(mu_);
  if (rejections_.size() >= max_keys_) {
    for (auto it = rejections_.begin(); it != rejections_.end();) {
      it = now >= it->second.retry_at ? rejections_.erase(it) : std::next(it);
    }
    // Still full of live rejections: this one goes to Redis each time, which is still exact.
    if (rejections_.size() >= max_keys_) return;
  }
  rejections_[key] = rejection;
}

BucketTake RedisBucketStore::undecided(const std::string& key, const BucketLimit& limit,
                                       common::SteadyTime now, const std::string& error) {
  backend_->recordFailure(error);
  switch (backend_->mode()) {
    case RedisFailureMode::kLocal:
      return fallback_.take(key, limit, now);
    case RedisFailureMode::kOpen:
    case RedisFailureMode::kClosed:
      break;
  }
  BucketTake take;
  take.undecided = true;
  take.admitted = backend_->mode() == RedisFailureMode::kOpen;
  return take;
}

BucketTake RedisBucketStore::take(const std::string& key, const BucketLimit& limit,
                                  common::SteadyTime now) {
  if (auto cached = cachedRejection(key, limit, now)) {
    backend_->recordCachedRejection();
    return *cached;
  }
  const auto started = std::chrono::steady_clock::now();
  auto reply = evalScript(backend_->pool(), kTakeScript,
                          {bucketKey(key), expiry_index_, request_index_, evictions_key_},
                          {redisDecimal(gcraIntervalUs(limit)), redisDecimal(limit.burst),
                           std::to_string(max_keys_), bucket_prefix_, key});
  if (!reply) return undecided(key, limit, now, reply.error().message);
  auto admitted = replyInteger(*reply, 0);
  auto tokens_milli = replyInteger(*reply, 1);
  auto retry_us = replyInteger(*reply, 2);
  auto full_us = replyInteger(*reply, 3);
  if (!admitted || !tokens_milli || !retry_us || !full_us) {
    return undecided(key, limit, now, "the rate limit script answered something unexpected");
  }
  backend_->recordDecision(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  BucketTake take;
  take.admitted = *admitted == 1;
  take.tokens = std::max(0.0, static_cast<double>(*tokens_milli) / 1000.0);
  take.retry_after_s = static_cast<double>(*retry_us) / 1e6;
  take.full_after_s = static_cast<double>(*full_us) / 1e6;
  if (!take.admitted)
    cacheRejection(key, {steadyAfterUs(now, *retry_us), steadyAfterUs(now, *full_us)}, now);
  return take;
}

common::Result<bool> RedisBucketStore::erase(const std::string& key) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    rejections_.erase(key);
  }
  (void)fallback_.erase(key);
  auto reply = evalScript(backend_->pool(), kEraseScript,
                          {bucketKey(key), expiry_index_, request_index_}, {key});
  if (!reply) return reply.error();
  return replyInteger(*reply, 0).value_or(0) > 0;
}

common::Result<std::size_t> RedisBucketStore::clear() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    rejections_.clear();
  }
  (void)fallback_.clear();
  auto reply =
      evalScript(backend_->pool(), kClearScript, {expiry_index_, request_index_}, {bucket_prefix_});
  if (!reply) return reply.error();
  return static_cast<std::size_t>(replyInteger(*reply, 0).value_or(0));
}

std::size_t RedisBucketStore::size() const {
  auto reply = evalScript(backend_->pool(), kSizeScript, {expiry_index_, evictions_key_}, {});
  if (!reply) return 0;
  return static_cast<std::size_t>(std::max<int64_t>(0, replyInteger(*reply, 0).value_or(0)));
}

uint64_t RedisBucketStore::evictions() const {
  auto reply = evalScript(backend_->pool(), kSizeScript, {expiry_index_, evictions_key_}, {});
  if (!reply) return 0;
  return static_cast<uint64_t>(std::max<int64_t>(0, replyInteger(*reply, 1).value_or(0)));
}

std::vector<middleware::BucketKeyStat> RedisBucketStore::top(std::size_t n,
                                                             const BucketLimit& limit,
                                                             common::SteadyTime) const {
  std::vector<middleware::BucketKeyStat> out;
  if (n == 0) return out;
  auto reply = evalScript(backend_->pool(), kTopScript, {request_index_},
                          {std::to_string(n), redisDecimal(gcraIntervalUs(limit)),
                           redisDecimal(limit.burst), bucket_prefix_});
  if (!reply) return out;
  for (std::size_t i = 0;; i += 3) {
    auto key = replyString(*reply, i);
    auto requests = replyInteger(*reply, i + 1);
    auto tokens = replyInteger(*reply, i + 2);
    if (!key || !requests || !tokens) break;
    out.push_back({*key, std::max(0.0, static_cast<double>(*tokens) / 1000.0),
                   static_cast<uint64_t>(std::max<int64_t>(0, *requests))});
  }
  // As the local store orders them: busiest first, then by key.
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.requests != b.requests ? a.requests > b.requests : a.key < b.key;
  });
  return out;
}

}  // namespace cc::shared_state
