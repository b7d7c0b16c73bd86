#include "middleware/response_cache.h"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <set>

#include "config/key_table.h"
#include "middleware/rate_limit_config.h"

namespace cc::middleware {
namespace {

using common::Error;

// Waiters wake at least this often to notice their deadline or cancellation, which a condition
// variable cannot be told about (and which a FakeClock moves without waking anybody).
constexpr common::Millis kWaitSlice{20};

bool underPrefix(std::string_view key, std::string_view prefix) {
  if (key.substr(0, prefix.size()) != prefix) return false;
  if (key.size() == prefix.size() || prefix.empty() || prefix.back() == '/') return true;
  char next = key[prefix.size()];
  return next == '/' || next == '?' || next == '#';
}

std::size_t sizeOf(const std::string& key, const CachedResponse& r) {
  std::size_t n = key.size() + r.body.size() + r.content_type.size();
  for (const auto& [name, value] : r.headers) n += name.size() + value.size();
  return n;
}

}  // namespace

std::string_view cacheOutcomeName(CacheOutcome outcome) {
  switch (outcome) {
    case CacheOutcome::kHit:
      return "HIT";
    case CacheOutcome::kMiss:
      return "MISS";
    case CacheOutcome::kCoalesced:
      return "COALESCED";
  }
  return "MISS";
}

std::shared_ptr<const ResponseCacheConfig> ResponseCacheConfig::fromConfig(
    const config::Config& cfg, config::Problems& problems) {
  auto out = std::make_shared<ResponseCacheConfig>();
  out->max_entries = static_cast<std::size_t>(cfg.getInt("cache.max_entries"));
  out->max_bytes = static_cast<std::size_t>(cfg.getInt("cache.max_bytes"));
  std::set<std::string> listed;
  for (const auto& name : cfg.getList("cache.rules")) {
    listed.insert(name);
    const std::string prefix = "cache.rule." + name + ".";
    CacheRule rule;
    rule.name = name;
    if (cfg.has(prefix + "paths")) rule.paths = cfg.getList(prefix + "paths");
    if (rule.paths.empty()) {
      problems.push_back(config::keyProblem(prefix + "paths", "rule '" + name + "' has no paths"));
    }
    if (cfg.has(prefix + "ttl_ms")) {
      rule.ttl = common::Millis(cfg.getInt(prefix + "ttl_ms"));
    } else {
      problems.push_back(
          config::keyProblem(prefix + "ttl_ms", "rule '" + name + "' needs a ttl_ms >= 1"));
    }
    out->rules.push_back(std::move(rule));
  }
  addUnlistedRuleProblems(cfg, "cache.rule.", listed, "cache.rules", problems);
  return out;
}

std::optional<CacheRule> ResponseCacheConfig::match(std::string_view method,
                                                    std::string_view path) const {
  if (method != "GET") return std::nullopt;
  for (const auto& rule : rules) {
    if (pathMatches(rule.paths, path)) return rule;
  }
  return std::nullopt;
}

ResponseCache::ResponseCache(std::shared_ptr<const ResponseCacheConfig> config,
                             const common::Clock& clock)
    : clock_(clock), config_(config) {
  reconfigure(std::move(config));
}

std::string ResponseCache::makeKey(std::string_view path, std::string_view query,
                                   std::string_view role) {
  std::vector<std::string_view> params;
  std::size_t start = 0;
  while (start <= query.size()) {
    std::size_t amp = query.find('&', start);
    std::string_view p = query.substr(start, amp == std::string_view::npos ? amp : amp - start);
    if (!p.empty()) params.push_back(p);
    if (amp == std::string_view::npos) break;
    start = amp + 1;
  }
  std::sort(params.begin(), params.end());
  std::string key(path);
  for (std::size_t i = 0; i < params.size(); ++i) {
    key += i == 0 ? '?' : '&';
    key += params[i];
  }
  key += '#';
  key += role;
  return key;
}

std::optional<CacheLookup> ResponseCache::hitLocked(const std::string& key,
                                                    const std::string& rule) {
  auto found = index_.find(key);
  if (found == index_.end()) return std::nullopt;
  auto it = found->second;
  const auto now = clock_.now();
  if (now >= it->expires) {
    eraseEntry(it);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it);
  ++rules_[rule].hits;
  ++totals_.hits;
  return CacheLookup{it->response, CacheOutcome::kHit,
                     std::chrono::duration_cast<common::Millis>(now - it->stored)};
}

std::optional<CacheLookup> ResponseCache::lookup(const std::string& key, const CacheRule& rule) {
  std::lock_guard<std::mutex> lock(mu_);
  return hitLocked(key, rule.name);
}

common::Result<CacheLookup> ResponseCache::getOrCompute(const std::string& key,
                                                        const CacheRule& rule,
                                                        const common::Deadline& deadline,
                                                        const Compute& compute) {
  std::shared_ptr<Flight> flight;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (auto hit = hitLocked(key, rule.name)) return *hit;
    RuleCounters& rc = rules_[rule.name];
    auto in_flight = flights_.find(key);
    if (in_flight != flights_.end()) {
      auto waiting = in_flight->second;
      ++rc.coalesced;
      ++totals_.coalesced;
      while (!waiting->done) {
        if (deadline.done()) {
          ++rules_[rule.name].timeouts;
          ++totals_.timeouts;
          return Error{common::ErrorCode::kTimeout,
                       "gave up waiting for a cached answer being computed",
                       {},
                       0};
        }
        waiting->cv.wait_for(lock, std::min(deadline.remaining(), kWaitSlice));
      }
      if (waiting->error) return *waiting->error;
      return CacheLookup{waiting->response, CacheOutcome::kCoalesced, common::Millis(0)};
    }
    ++rc.misses;
    ++totals_.misses;
    flight = std::make_shared<Flight>();
    flights_.emplace(key, flight);
  }

  common::Result<CachedResponse> computed = Error{common::ErrorCode::kInternal, "", {}, 0};
  try {
    computed = compute();
  } catch (...) {
    std::lock_guard<std::mutex> lock(mu_);
    flight->error = Error{common::ErrorCode::kInternal, "computing the answer failed", {}, 0};
    finish(key, flight, rule.name, rule.ttl);
    throw;
  }
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<const CachedResponse> streamed;
  if (computed.ok() && computed->stream) {
    // One connection reads a stream: it goes to this caller alone; waiters are told to ask again.
    streamed = std::make_shared<const CachedResponse>(std::move(*computed));
    flight->error = Error{common::ErrorCode::kUnavailable,
                          "the answer is streamed and cannot be shared; retry",
                          {},
                          1};
  } else if (computed.ok()) {
    flight->response = std::make_shared<const CachedResponse>(std::move(*computed));
  } else {
    flight->error = computed.error();
  }
  finish(key, flight, rule.name, rule.ttl);
  if (streamed) return CacheLookup{streamed, CacheOutcome::kMiss, common::Millis(0)};
  if (flight->error) return *flight->error;
  return CacheLookup{flight->response, CacheOutcome::kMiss, common::Millis(0)};
}

void ResponseCache::finish(const std::string& key, const std::shared_ptr<Flight>& flight,
                           const std::string& rule, common::Millis ttl) {
  flights_.erase(key);
  flight->done = true;
  flight->cv.notify_all();
  const auto& r = flight->response;
  // A streamed answer is consumed once, by one connection: it can never be replayed.
  if (!r || flight->spoiled || r->status < 200 || r->status > 299 || r->stream) return;
  // A reload may have removed the rule while the computation ran.
  if (std::none_of(config_.get().rules.begin(), config_.get().rules.end(),
                   [&](const CacheRule& c) { return c.name == rule; })) {
    return;
  }
  std::size_t bytes = sizeOf(key, *r);
  if (bytes > config_.get().max_bytes) return;
  auto old = index_.find(key);
  if (old != index_.end()) eraseEntry(old->second);
  evictToFit(1, bytes);
  auto now = clock_.now();
  lru_.push_front(Entry{key, rule, r, now, now + ttl, bytes});
  index_.emplace(key, lru_.begin());
  bytes_ += bytes;
  ++rules_[rule].entries;
}

void ResponseCache::eraseEntry(std::list<Entry>::iterator it) {
  bytes_ -= it->bytes;
  auto rc = rules_.find(it->rule);
  if (rc != rules_.end()) --rc->second.entries;
  index_.erase(it->key);
  lru_.erase(it);
}

void ResponseCache::evictToFit(std::size_t incoming_entries, std::size_t incoming_bytes) {
  while (!lru_.empty() && (lru_.size() + incoming_entries > config_.get().max_entries ||
                           bytes_ + incoming_bytes > config_.get().max_bytes)) {
    eraseEntry(std::prev(lru_.end()));
    ++evictions_;
  }
}

std::size_t ResponseCache::dropMatching(std::string_view prefix) {
  std::size_t n = 0;
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    if (underPrefix(it->key, prefix)) {
      eraseEntry(it);
      ++n;
    }
    it = next;
  }
  return n;
}

std::size_t ResponseCache::invalidatePrefix(std::string_view prefix) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [key, flight] : flights_) {
    if (underPrefix(key, prefix)) flight->spoiled = true;
  }
  return dropMatching(prefix);
}

std::size_t ResponseCache::flush(const std::optional<std::string>& prefix) {
  if (prefix) return invalidatePrefix(*prefix);
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [key, flight] : flights_) flight->spoiled = true;
  return dropMatching("");
}

void ResponseCache::reconfigure(std::shared_ptr<const ResponseCacheConfig> config) {
  std::lock_guard<std::mutex> lock(mu_);
  config_.set(std::move(config));
  std::map<std::string, RuleCounters> kept;
  for (const auto& rule : config_.get().rules) kept[rule.name] = rules_[rule.name];
  for (auto it = lru_.begin(); it != lru_.end();) {
    auto next = std::next(it);
    if (kept.count(it->rule) == 0) eraseEntry(it);
    it = next;
  }
  rules_ = std::move(kept);
  evictToFit(0, 0);
}

std::size_t ResponseCache::entries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

std::size_t ResponseCache::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

uint64_t ResponseCache::evictions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return evictions_;
}

CacheCounters ResponseCache::counters() const {
  std::lock_guard<std::mutex> lock(mu_);
  return totals_;
}

CacheCounters ResponseCache::counters(const std::string& rule) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = rules_.find(rule);
  return it == rules_.end() ? CacheCounters{} : static_cast<const CacheCounters&>(it->second);
}

Poco::JSON::Object::Ptr ResponseCache::toJson() const {
  std::lock_guard<std::mutex> lock(mu_);
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  out->set("entries", lru_.size());
  out->set("bytes", bytes_);
  out->set("max_entries", config_.get().max_entries);
  out->set("max_bytes", config_.get().max_bytes);
  out->set("hits", totals_.hits);
  out->set("misses", totals_.misses);
  out->set("coalesced", totals_.coalesced);
  out->set("timeouts", totals_.timeouts);
  out->set("evictions", evictions_);
  Poco::JSON::Array::Ptr rules = new Poco::JSON::Array;
  for (const auto& rule : config_.get().rules) {
    const RuleCounters& rc = rules_.at(rule.name);
    Poco::JSON::Object::Ptr r = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    r->set("name", rule.name);
    Poco::JSON::Array::Ptr paths = new Poco::JSON::Array;
    for (const auto& p : rule.paths) paths->add(p);
    r->set("paths", paths);
    r->set("ttl_ms", static_cast<int64_t>(rule.ttl.count()));
    r->set("entries", rc.entries);
    r->set("hits", rc.hits);
    r->set("misses", rc.misses);
    r->set("coalesced", rc.coalesced);
    r->set("timeouts", rc.timeouts);
    rules->add(r);
  }
  out->set("rules", rules);
  return out;
}

}  // namespace cc::middleware
