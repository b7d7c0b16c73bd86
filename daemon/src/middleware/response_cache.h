#pragma once
// A response cache for named GET routes: LRU + TTL, single-flight computation, invalidation by
// path prefix.

#include <Poco/JSON/Object.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <list>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/deadline.h"
#include "common/result.h"
#include "common/swappable.h"
#include "config/config.h"
#include "config/problem.h"
#include "http/reply.h"

namespace cc::middleware {

/// An answer as the cache keeps it: the pipeline's own reply value.
using CachedResponse = http::Reply;

/// A named route whose GET answers may be served from the cache for `ttl`.
struct CacheRule {
  std::string name;
  std::vector<std::string> paths;  ///< exact, or a prefix when ending in `*`
  common::Millis ttl{1000};
};

/// Everything under `cache.*`, built once from a configuration (see app::DaemonSettings).
/// Immutable; thread-safe.
struct ResponseCacheConfig {
  std::vector<CacheRule> rules;
  std::size_t max_entries = 1000;
  std::size_t max_bytes = 64u << 20;

  /// Reads the `cache.*` keys of a configuration the key table accepted and checks how they fit
  /// together: every listed rule has paths and a ttl_ms, every rule key belongs to a listed
  /// rule. Adds every problem to `problems`, each naming its key; the settings returned
  /// are only meant to be used when there was none.
  static std::shared_ptr<const ResponseCacheConfig> fromConfig(const config::Config& config,
                                                               config::Problems& problems);
  /// The first rule covering a GET of `path`, or nothing (other methods are never cached).
  std::optional<CacheRule> match(std::string_view method, std::string_view path) const;
};

enum class CacheOutcome { kHit, kMiss, kCoalesced };
std::string_view cacheOutcomeName(CacheOutcome outcome);

struct CacheLookup {
  std::shared_ptr<const CachedResponse> response;
  CacheOutcome outcome = CacheOutcome::kMiss;
  common::Millis age{0};  ///< how old the answer is (0 for a fresh computation)
};

/// Cumulative counts, overall or of one rule.
struct CacheCounters {
  uint64_t hits = 0;
  uint64_t misses = 0;
  uint64_t coalesced = 0;
  uint64_t timeouts = 0;  ///< coalesced waiters whose deadline passed first
};

/// LRU cache of GET answers bounded by entry count and bytes (key + body + headers), each entry
/// living for its rule's TTL. Single-flight: while one caller computes a key, later callers for
/// that key wait for its result (COALESCED) instead of computing again; a waiter whose deadline
/// passes or whose request is cancelled gives up with `timeout`. A failed computation (an Error,
/// a non-2xx answer, or an exception, which is rethrown to its caller and reported to waiters as
/// internal_error) is handed to the waiters but never cached. A streamed answer goes to its
/// caller only (its waiters get `unavailable`) and is never cached. Invalidation by path prefix
/// drops cached entries at once and marks computations in flight for those keys, so that a result
/// computed from data older than the write is returned to its callers but not cached.
///
/// Thread-safe: one mutex guards the index; computations run outside it.
class ResponseCache {
 public:
  using Compute = std::function<common::Result<CachedResponse>()>;

  ResponseCache(std::shared_ptr<const ResponseCacheConfig> config, const common::Clock& clock);

  /// The cache key of a request: the path, the query parameters sorted (so that ?a=1&b=2 and
  /// ?b=2&a=1 share an entry) and the caller's role (roles never see each other's answers).
  static std::string makeKey(std::string_view path, std::string_view query, std::string_view role);

  /// The cached answer for `key` if there is one still fresh (a hit, counted as such), without
  /// waiting for anything; nothing otherwise (no miss is counted: getOrCompute follows).
  std::optional<CacheLookup> lookup(const std::string& key, const CacheRule& rule);
  /// The cached answer for `key`, or `compute()`'s, computed at most once at a time per key.
  common::Result<CacheLookup> getOrCompute(const std::string& key, const CacheRule& rule,
                                           const common::Deadline& deadline,
                                           const Compute& compute);

  /// Drops the entries of `prefix` (a path: "/api/agents" covers "/api/agents",
  /// "/api/agents/7" and "/api/agents?x=1" but not "/api/agentsx") and spoils computations in
  /// flight for them. Returns the entries dropped.
  std::size_t invalidatePrefix(std::string_view prefix);
  /// Drops every entry, or those under `prefix`; returns how many.
  std::size_t flush(const std::optional<std::string>& prefix = std::nullopt);

  /// Applies reloaded settings: entries of rules that are gone are dropped, new bounds are
  /// enforced at once, counters of rules that keep their name carry over.
  void reconfigure(std::shared_ptr<const ResponseCacheConfig> config);
  /// The current rules and bounds, for the call the caller is in (common::Swappable::get):
  /// read without the cache's mutex, on every request a rule may match.
  const ResponseCacheConfig& config() const { return config_.get(); }

  std::size_t entries() const;
  std::size_t bytes() const;
  uint64_t evictions() const;
  CacheCounters counters() const;
  /// Counters of one rule (zero for an unknown rule).
  CacheCounters counters(const std::string& rule) const;
  /// The admin view: entries, bytes, hits, misses, coalesced, evictions and per-rule counters.
  Poco::JSON::Object::Ptr toJson() const;

 private:
  struct Entry {
    std::string key;
    std::string rule;
    std::shared_ptr<const CachedResponse> response;
    common::SteadyTime stored;
    common::SteadyTime expires;
    std::size_t bytes;
  };
  struct Flight {
    std::condition_variable cv;
    bool done = false;
    bool spoiled = false;
    std::shared_ptr<const CachedResponse> response;
    std::optional<common::Error> error;
  };
  struct RuleCounters : CacheCounters {
    std::size_t entries = 0;
  };

  // All run with mu_ held.
  void eraseEntry(std::list<Entry>::iterator it);
  void evictToFit(std::size_t incoming_entries, std::size_t incoming_bytes);
  std::size_t dropMatching(std::string_view prefix);
  void finish(const std::string& key, const std::shared_ptr<Flight>& flight,
              const std::string& rule, common::Millis ttl);

  const common::Clock& clock_;
  mutable std::mutex mu_;
  common::Swappable<const ResponseCacheConfig> config_;  // set with mu_ held
  std::list<Entry> lru_;                                 // most recently used first
  std::unordered_map<std::string, std::list<Entry>::iterator> index_;
  /// A fresh entry's answer, counted as a hit; an expired one is dropped. With mu_ held.
  std::optional<CacheLookup> hitLocked(const std::string& key, const std::string& rule);
  std::unordered_map<std::string, std::shared_ptr<Flight>> flights_;
  std::map<std::string, RuleCounters> rules_;
  CacheCounters totals_;
  std::size_t bytes_ = 0;
  uint64_t evictions_ = 0;
};

}  // namespace cc::middleware
