#pragma once
// The rate limit decision for one request, its counters, and the IETF RateLimit headers.

#include <Poco/JSON/Object.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "middleware/rate_limit_config.h"
#include "middleware/rate_limit_store.h"

namespace cc::middleware {

/// What the limiter needs to know about a request.
struct RequestInfo {
  std::string method;
  std::string path;       ///< a query part is ignored
  std::string client_ip;  ///< the client, already resolved behind trusted proxies (the
                          ///< request context's client_ip, see RateLimitStage::clientAddress)
  std::string token_key;  ///< the user for `key = token` rules: a user id or a token hash,
                          ///< never the raw token; empty falls back to the client address
};

enum class RateAction {
  kPass,          ///< a rule applies and the request is admitted
  kReject,        ///< a rule applies and its bucket is empty: answer 429
  kShadowReject,  ///< shadow mode: would have been rejected, admitted and counted
  kExempt,        ///< an exempt path
  kUnlimited,     ///< limiter disabled or no rule matches
  kFailOpen,      ///< the shared store is unreachable; ratelimit.redis_failure = open admits
  kFailClosed,    ///< the shared store is unreachable; ratelimit.redis_failure = closed: 503
};
std::string_view rateActionName(RateAction action);

/// The decision for one request. The numbers describe the rule that applied.
struct RateDecision {
  RateAction action = RateAction::kUnlimited;
  std::string rule;       ///< empty when no rule applied
  std::string key;        ///< the bucket key (client address, user or "global")
  int64_t limit = 0;      ///< q: requests per window (the rule's rate)
  int64_t window_s = 0;   ///< w: the rate's period in seconds
  int64_t remaining = 0;  ///< r: whole tokens left
  int64_t reset_s = 0;    ///< t: whole seconds until the bucket is full again
  int retry_after_s = 0;  ///< whole seconds >= 1 until a token is back, on (shadow) reject
  bool enforced = true;   ///< false in shadow mode

  bool rejected() const { return action == RateAction::kReject; }
  /// Whether the response should carry RateLimit-Policy / RateLimit: a rule applied and the
  /// limiter enforces (shadow mode stays invisible to clients). Admitted responses carry them too.
  bool carriesHeaders() const {
    return enforced && (action == RateAction::kPass || action == RateAction::kReject);
  }
  /// `"api";q=100;w=60`
  std::string policyHeader() const;
  /// `"api";r=0;t=12`
  std::string rateLimitHeader() const;
};

/// Cumulative counts of one rule. They survive reloads that keep the rule's name.
struct RuleCounters {
  std::atomic<uint64_t> admitted{0};
  std::atomic<uint64_t> rejected{0};
  std::atomic<uint64_t> shadow_rejected{0};
};

/// Decides, per request, whether a rate limit rule admits it. Built once from a validated
/// RateLimitConfig and immutable afterwards except for counters and bucket contents. Each
/// decision is O(1): a linear walk over the (few) rules and exempt paths, then one bucket take
/// under one store shard's mutex. Thread-safe.
///
/// Reload: build a new limiter with `previous` set. A rule that keeps its name keeps its
/// counters (they are cumulative, as Prometheus expects). It also keeps its buckets when its key
/// kind and max_keys are unchanged; a new rate or burst then applies to the existing buckets
/// (tokens are capped at the new burst). Otherwise its buckets start full. Removed rules are
/// dropped with their buckets.
class RateLimiter {
 public:
  using StoreFactory =
      std::function<std::shared_ptr<BucketStore>(const RateLimitRule& rule, std::size_t max_keys)>;

  /// `store_factory` makes each rule's bucket store; by default a ShardedLruBucketStore.
  RateLimiter(std::shared_ptr<const RateLimitConfig> config, const common::Clock& clock,
              const RateLimiter* previous = nullptr, StoreFactory store_factory = {});

  RateDecision decide(const RequestInfo& request) const;
  /// Whether decide() answers for a request to `path` from memory: limiting is off, the path is
  /// exempt, no rule names it, or its rule's buckets are local (not in Redis).
  bool decidesInMemory(std::string_view method, std::string_view path) const;
  /// Whether any rule's buckets are in a shared store (Redis), so that some decide() may wait.
  bool hasSharedStores() const { return has_shared_stores_; }

  /// Forgets the buckets of a rule, or only `key`'s; true if anything was forgotten.
  /// Unknown rule: not_found; a shared store that cannot reach its server: its error.
  common::Result<bool> reset(const std::string& rule,
                             const std::optional<std::string>& key = std::nullopt);

  /// Counters of a rule, or nullptr for an unknown rule.
  const RuleCounters* counters(const std::string& rule) const;
  /// Keys held for a rule (0 for an unknown rule).
  std::size_t keys(const std::string& rule) const;

  /// The admin view (GET /admin/ratelimit): enabled, mode and, per rule, its settings, counters,
  /// key count and busiest keys.
  Poco::JSON::Object::Ptr toJson() const;

  const RateLimitConfig& config() const { return *config_; }

 private:
  struct RuleState {
    std::shared_ptr<RuleCounters> counters;
    std::shared_ptr<BucketStore> store;
  };
  const RuleState* stateOf(const std::string& rule) const;

  std::shared_ptr<const RateLimitConfig> config_;
  const common::Clock& clock_;
  std::map<std::string, RuleState> states_;
  bool has_shared_stores_ = false;
};

}  // namespace cc::middleware
