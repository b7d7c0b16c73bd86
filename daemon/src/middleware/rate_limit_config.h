#pragma once
// The validated rate limit configuration: rules, exemptions, trusted proxies, key bound.

#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "config/config.h"
#include "config/problem.h"
#include "middleware/client_address.h"
#include "middleware/token_bucket.h"

namespace cc::middleware {

/// "N/s", "N/m" or "N/h": N requests per period.
struct Rate {
  int64_t count = 0;
  int64_t period_s = 1;

  static common::Result<Rate> parse(std::string_view text);
  std::string toString() const;
};

/// What a rule's buckets are keyed by.
enum class RateKey { kIp, kToken, kGlobal };
std::string_view rateKeyName(RateKey key);

/// A path list entry matches the path exactly, or as a prefix when it ends in `*`.
bool pathMatches(const std::vector<std::string>& patterns, std::string_view path);

/// One problem for each key set (not a built-in default) under `prefix` + NAME + "." whose NAME
/// is not in `listed`, e.g. `ratelimit.rule.serch.rate` when `list_key` (ratelimit.rules) lists
/// only `search`: most likely a typo or a forgotten list entry.
void addUnlistedRuleProblems(const config::Config& config, const std::string& prefix,
                             const std::set<std::string>& listed, const std::string& list_key,
                             config::Problems& problems);

/// One named rule. Plain value.
struct RateLimitRule {
  std::string name;
  std::vector<std::string> paths;
  std::vector<std::string> methods;  ///< upper case; empty means every method
  Rate rate;
  int64_t burst = 1;
  RateKey key = RateKey::kIp;

  bool matches(std::string_view method, std::string_view path) const;
  BucketLimit limit() const {
    return {static_cast<double>(rate.count), static_cast<double>(rate.period_s),
            static_cast<double>(burst)};
  }
};

/// Everything under `ratelimit.*`, built once from a configuration (at start-up, by
/// --check-config and by each reload, see app::DaemonSettings). Immutable; thread-safe.
struct RateLimitConfig {
  bool enabled = true;
  bool enforce = true;  ///< false: shadow mode, would-be rejections are counted, never made
  std::vector<RateLimitRule> rules;  ///< in match order; the first match applies
  std::vector<std::string> exempt;
  TrustedProxies trusted_proxies;
  std::size_t max_keys = 100000;  ///< per rule

  /// Reads the `ratelimit.*` keys of a configuration the key table accepted (which checked each
  /// value) and checks how they fit together: every listed rule has paths and a rate, every
  /// rule key belongs to a listed rule. Adds every problem to `problems`, each naming its key; the
  /// settings returned are only meant to be used when there was none.
  static std::shared_ptr<const RateLimitConfig> fromConfig(const config::Config& config,
                                                           config::Problems& problems);

  /// The first rule that applies to the request, or nullptr.
  const RateLimitRule* match(std::string_view method, std::string_view path) const;
  bool isExempt(std::string_view path) const { return pathMatches(exempt, path); }
};

}  // namespace cc::middleware
