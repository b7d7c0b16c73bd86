#include "middleware/response_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <sstream>
#include <thread>

namespace cc::middleware {
namespace {

using std::chrono::milliseconds;

class ResponseCacheTest : public ::testing::Test {
 protected:
  ResponseCacheTest() : cache_(configWith(100, 1 << 20), clock_) {}

  static std::shared_ptr<const ResponseCacheConfig> configWith(std::size_t entries,
                                                               std::size_t bytes) {
    auto c = std::make_shared<ResponseCacheConfig>();
    c->rules = {CacheRule{"agents", {"/api/agents", "/api/agents/*"}, milliseconds(1000)}};
    c->max_entries = entries;
    c->max_bytes = bytes;
    return c;
  }
  CacheRule rule() const { return cache_.config().rules.front(); }
  common::Deadline deadline() const { return common::Deadline::after(clock_, milliseconds(500)); }

  // Computes `body` and counts how often it ran.
  ResponseCache::Compute answer(const std::string& body) {
    return [this, body]() -> common::Result<CachedResponse> {
      ++computations_;
      CachedResponse r;
      r.body = body;
      return r;
    };
  }
  common::Result<CacheLookup> get(const std::string& key, const std::string& body = "x") {
    return cache_.getOrCompute(key, rule(), deadline(), answer(body));
  }

  common::FakeClock clock_;
  ResponseCache cache_;
  std::atomic<int> computations_{0};
};

TEST_F(ResponseCacheTest, KeySortsQueryAndSeparatesRoles) {
  EXPECT_EQ(ResponseCache::makeKey("/api/agents", "b=2&a=1", "admin"),
            ResponseCache::makeKey("/api/agents", "a=1&b=2&", "admin"));
  EXPECT_EQ(ResponseCache::makeKey("/api/agents", "b=2&a=1", "viewer"),
            "/api/agents?a=1&b=2#viewer");
  EXPECT_EQ(ResponseCache::makeKey("/api/agents", "", "viewer"), "/api/agents#viewer");

  auto admin = get(ResponseCache::makeKey("/api/agents", "", "admin"), "admin view");
  auto viewer = get(ResponseCache::makeKey("/api/agents", "", "viewer"), "viewer view");
  EXPECT_EQ(viewer->outcome, CacheOutcome::kMiss);
  EXPECT_EQ(viewer->response->body, "viewer view");
  auto again = get(ResponseCache::makeKey("/api/agents", "", "admin"), "other");
  EXPECT_EQ(again->outcome, CacheOutcome::kHit);
  EXPECT_EQ(again->response->body, "admin view");
  EXPECT_EQ(computations_, 2);
}

TEST_F(ResponseCacheTest, HitUntilTtlThenMiss) {
  auto first = get("/api/agents#a", "v1");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->outcome, CacheOutcome::kMiss);
  clock_.advance(milliseconds(999));
  auto hit = get("/api/agents#a", "v2");
  EXPECT_EQ(hit->outcome, CacheOutcome::kHit);
  EXPECT_EQ(hit->age, milliseconds(999));
  EXPECT_EQ(hit->response->body, "v1");
  clock_.advance(milliseconds(1));
  auto expired = get("/api/agents#a", "v2");
  EXPECT_EQ(expired->outcome, CacheOutcome::kMiss);
  EXPECT_EQ(expired->response->body, "v2");
  auto c = cache_.counters();
  EXPECT_EQ(c.hits, 1u);
  EXPECT_EQ(c.misses, 2u);
  EXPECT_EQ(cache_.entries(), 1u);
  EXPECT_EQ(cache_.counters("agents").hits, 1u);
}

// lookup() gives what is fresh without computing or waiting, counted as a hit; it counts no
// miss (the getOrCompute that follows a miss does).
TEST_F(ResponseCacheTest, LookupGivesOnlyAFreshAnswerAndNeverComputes) {
  EXPECT_FALSE(cache_.lookup("/api/agents#a", rule()).has_value());
  ASSERT_TRUE(get("/api/agents#a", "v1").ok());
  clock_.advance(milliseconds(400));
  auto hit = cache_.lookup("/api/agents#a", rule());
  ASSERT_TRUE(hit.has_value());
  EXPECT_EQ(hit->outcome, CacheOutcome::kHit);
  EXPECT_EQ(hit->response->body, "v1");
  EXPECT_EQ(hit->age, milliseconds(400));
  clock_.advance(milliseconds(600));
  EXPECT_FALSE(cache_.lookup("/api/agents#a", rule()).has_value()) << "expired";
  EXPECT_EQ(cache_.entries(), 0u) << "and dropped";
  EXPECT_EQ(computations_, 1);
  auto c = cache_.counters();
  EXPECT_EQ(c.hits, 1u);
  EXPECT_EQ(c.misses, 1u);
}

TEST_F(ResponseCacheTest, EvictsLeastRecentlyUsedByEntries) {
  cache_.reconfigure(configWith(2, 1 << 20));
  get("/api/agents/1#a");
  get("/api/agents/2#a");
  get("/api/agents/1#a");  // 2 is now the least recently used
  get("/api/agents/3#a");
  EXPECT_EQ(cache_.entries(), 2u);
  EXPECT_EQ(cache_.evictions(), 1u);
  EXPECT_EQ(get("/api/agents/1#a")->outcome, CacheOutcome::kHit);
  EXPECT_EQ(get("/api/agents/2#a")->outcome, CacheOutcome::kMiss);
}

TEST_F(ResponseCacheTest, EvictsLeastRecentlyUsedByBytes) {
  // Each entry is key (15) + body (85) + content type (16) = 116 bytes.
  cache_.reconfigure(configWith(100, 300));
  std::string body(85, 'b');
  get("/api/agents/1#a", body);
  get("/api/agents/2#a", body);
  EXPECT_EQ(cache_.bytes(), 232u);
  get("/api/agents/3#a", body);
  EXPECT_EQ(cache_.entries(), 2u);
  EXPECT_EQ(cache_.bytes(), 232u);
  EXPECT_EQ(cache_.evictions(), 1u);
  EXPECT_EQ(get("/api/agents/1#a", body)->outcome, CacheOutcome::kMiss);
  // An answer larger than the whole cache is served but not kept.
  auto huge = get("/api/agents/4#a", std::string(400, 'h'));
  EXPECT_EQ(huge->response->body.size(), 400u);
  EXPECT_EQ(get("/api/agents/4#a")->outcome, CacheOutcome::kMiss);
}

TEST_F(ResponseCacheTest, FailuresAreNotCached) {
  auto failing = [this]() -> common::Result<CachedResponse> {
    ++computations_;
    return common::Error::unavailable(common::ErrorCode::kDbPoolExhausted, "busy");
  };
  auto r = cache_.getOrCompute("/api/agents#a", rule(), deadline(), failing);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, common::ErrorCode::kDbPoolExhausted);
  auto not_found = [this]() -> common::Result<CachedResponse> {
    ++computations_;
    CachedResponse resp;
    resp.status = 404;
    return resp;
  };
  EXPECT_EQ(cache_.getOrCompute("/api/agents#a", rule(), deadline(), not_found)->response->status,
            404);
  EXPECT_EQ(get("/api/agents#a")->outcome, CacheOutcome::kMiss);
  EXPECT_EQ(computations_, 3);
  EXPECT_EQ(cache_.entries(), 1u);
  EXPECT_THROW(cache_.getOrCompute(
                   "/api/agents/9#a", rule(), deadline(),
                   []() -> common::Result<CachedResponse> { throw std::runtime_error("boom"); }),
               std::runtime_error);
  EXPECT_EQ(get("/api/agents/9#a")->outcome, CacheOutcome::kMiss);  // nobody left hanging
}

// Runs a computation that blocks until released, so that other callers arrive while it runs.
class GatedComputation {
 public:
  ResponseCache::Compute compute(std::atomic<int>& runs, std::string body) {
    return [this, &runs, body]() -> common::Result<CachedResponse> {
      ++runs;
      {
        std::unique_lock<std::mutex> lock(mu_);
        started_ = true;
        cv_.notify_all();
        cv_.wait(lock, [this] { return released_; });
      }
      CachedResponse r;
      r.body = body;
      return r;
    };
  }
  void awaitStart() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return started_; });
  }
  void release() {
    std::lock_guard<std::mutex> lock(mu_);
    released_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool started_ = false;
  bool released_ = false;
};

TEST_F(ResponseCacheTest, ConcurrentMissesAreCoalescedIntoOneComputation) {
  constexpr int kCallers = 8;
  GatedComputation gate;
  std::atomic<int> runs{0};
  std::vector<CacheOutcome> outcomes(kCallers);
  std::vector<std::string> bodies(kCallers);
  std::vector<std::thread> threads;
  auto call = [&](int i) {
    auto r = cache_.getOrCompute("/api/agents#a", rule(), common::Deadline::never(clock_),
                                 gate.compute(runs, "shared"));
    ASSERT_TRUE(r.ok());
    outcomes[i] = r->outcome;
    bodies[i] = r->response->body;
  };
  threads.emplace_back(call, 0);
  gate.awaitStart();
  for (int i = 1; i < kCallers; ++i) threads.emplace_back(call, i);
  // Release only once every waiter has joined the flight.
  while (cache_.counters().coalesced < kCallers - 1) std::this_thread::yield();
  gate.release();
  for (auto& t : threads) t.join();
  EXPECT_EQ(runs, 1);
  EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), CacheOutcome::kMiss), 1);
  EXPECT_EQ(std::count(outcomes.begin(), outcomes.end(), CacheOutcome::kCoalesced), kCallers - 1);
  for (const auto& b : bodies) EXPECT_EQ(b, "shared");
  auto c = cache_.counters();
  EXPECT_EQ(c.misses, 1u);
  EXPECT_EQ(c.coalesced, static_cast<uint64_t>(kCallers - 1));
  EXPECT_EQ(get("/api/agents#a")->outcome, CacheOutcome::kHit);
}

TEST_F(ResponseCacheTest, WaiterGivesUpAtItsDeadline) {
  GatedComputation gate;
  std::atomic<int> runs{0};
  std::thread leader([&] {
    auto r = cache_.getOrCompute("/api/agents#a", rule(), common::Deadline::never(clock_),
                                 gate.compute(runs, "late"));
    EXPECT_EQ(r->outcome, CacheOutcome::kMiss);
  });
  gate.awaitStart();
  common::Result<CacheLookup> waited = common::Error{};
  auto patient = common::Deadline::after(clock_, milliseconds(100));
  std::thread waiter(
      [&] { waited = cache_.getOrCompute("/api/agents#a", rule(), patient, answer("never")); });
  while (cache_.counters().coalesced < 1) std::this_thread::yield();
  clock_.advance(milliseconds(100));
  waiter.join();
  ASSERT_FALSE(waited.ok());
  EXPECT_EQ(waited.error().code, common::ErrorCode::kTimeout);
  EXPECT_EQ(cache_.counters().timeouts, 1u);
  gate.release();
  leader.join();
  EXPECT_EQ(computations_, 0);
  EXPECT_EQ(runs, 1);
}

TEST_F(ResponseCacheTest, CancelledWaiterGivesUp) {
  GatedComputation gate;
  std::atomic<int> runs{0};
  std::thread leader([&] {
    cache_.getOrCompute("/api/agents#a", rule(), common::Deadline::never(clock_),
                        gate.compute(runs, "x"));
  });
  gate.awaitStart();
  auto d = common::Deadline::never(clock_);
  common::Result<CacheLookup> waited = common::Error{};
  std::thread waiter([&] { waited = cache_.getOrCompute("/api/agents#a", rule(), d, answer("")); });
  while (cache_.counters().coalesced < 1) std::this_thread::yield();
  d.cancel();
  waiter.join();
  EXPECT_EQ(waited.error().code, common::ErrorCode::kTimeout);
  gate.release();
  leader.join();
}

TEST_F(ResponseCacheTest, InvalidationDuringComputationKeepsTheStaleAnswerOut) {
  GatedComputation gate;
  std::atomic<int> runs{0};
  std::thread leader([&] {
    auto r = cache_.getOrCompute("/api/agents/7#a", rule(), common::Deadline::never(clock_),
                                 gate.compute(runs, "before the write"));
    EXPECT_EQ(r->response->body, "before the write");  // its own caller still gets it
  });
  gate.awaitStart();
  cache_.invalidatePrefix("/api/agents");
  gate.release();
  leader.join();
  EXPECT_EQ(cache_.entries(), 0u);
  auto after = get("/api/agents/7#a", "after the write");
  EXPECT_EQ(after->outcome, CacheOutcome::kMiss);
  EXPECT_EQ(after->response->body, "after the write");
}

TEST_F(ResponseCacheTest, InvalidatePrefixDropsOnlyThatResource) {
  cache_.reconfigure([] {
    auto c = std::make_shared<ResponseCacheConfig>();
    c->rules = {CacheRule{"all", {"/api/*"}, milliseconds(1000)}};
    return c;
  }());
  CacheRule all = cache_.config().rules.front();
  for (auto key : {"/api/agents#a", "/api/agents/1#a", "/api/agents?x=1#a", "/api/agentsx#a",
                   "/api/network#a"}) {
    cache_.getOrCompute(key, all, deadline(), answer("x"));
  }
  EXPECT_EQ(cache_.invalidatePrefix("/api/agents"), 3u);
  EXPECT_EQ(cache_.entries(), 2u);
  EXPECT_EQ(cache_.getOrCompute("/api/agentsx#a", all, deadline(), answer("x"))->outcome,
            CacheOutcome::kHit);
  EXPECT_EQ(cache_.flush(std::string("/api/network")), 1u);
  EXPECT_EQ(cache_.flush(), 1u);
  EXPECT_EQ(cache_.entries(), 0u);
  EXPECT_EQ(cache_.bytes(), 0u);
}

TEST_F(ResponseCacheTest, ReloadDropsEntriesOfRemovedRulesAndKeepsCounters) {
  get("/api/agents#a");
  get("/api/agents#a");
  auto next = std::make_shared<ResponseCacheConfig>(cache_.config());
  next->rules.push_back(CacheRule{"network", {"/api/network"}, milliseconds(50)});
  cache_.reconfigure(next);
  EXPECT_EQ(cache_.entries(), 1u);
  EXPECT_EQ(cache_.counters("agents").hits, 1u);
  auto only_network = std::make_shared<ResponseCacheConfig>();
  only_network->rules = {next->rules.back()};
  cache_.reconfigure(only_network);
  EXPECT_EQ(cache_.entries(), 0u);
  EXPECT_EQ(cache_.counters("agents").hits, 0u);
}

TEST_F(ResponseCacheTest, ConfigFromTableAndProblemsNameTheKey) {
  auto loaded = config::ConfigLoader::load("", {});
  config::Problems none;
  auto cfg = ResponseCacheConfig::fromConfig(*loaded.config, none);
  ASSERT_TRUE(none.empty()) << none.front().message;
  ASSERT_EQ(cfg->rules.size(), 2u);
  EXPECT_EQ(cfg->max_entries, 1000u);
  EXPECT_EQ(cfg->max_bytes, 67108864u);
  EXPECT_EQ(cfg->match("GET", "/api/system/processes/12")->name, "processes");
  EXPECT_EQ(cfg->match("GET", "/api/system/network?iface=eth0")->ttl, milliseconds(2000));
  EXPECT_FALSE(cfg->match("POST", "/api/system/processes"));
  EXPECT_FALSE(cfg->match("GET", "/api/agents"));

  auto keys = [](const config::ConfigLoader::Defines& d) {
    auto r = config::ConfigLoader::load("", d);
    EXPECT_TRUE(r.ok()) << r.problems.front();
    config::Problems problems;
    ResponseCacheConfig::fromConfig(*r.config, problems);
    std::string out;
    for (const auto& p : problems) out += (out.empty() ? "" : " ") + p.key;
    return out;
  };
  // Every problem at once: a listed rule without paths or ttl, and an unlisted rule's key.
  EXPECT_EQ(keys({{"cache.rules", "processes, agents"}, {"cache.rule.nope.ttl_ms", "5"}}),
            "cache.rule.agents.paths cache.rule.agents.ttl_ms cache.rule.nope.ttl_ms");
  EXPECT_EQ(keys({{"cache.rules", "agents"}, {"cache.rule.agents.paths", "/api/agents"}}),
            "cache.rule.agents.ttl_ms");
  EXPECT_EQ(keys({{"cache.rules", "processes"}, {"cache.rule.network.ttl_ms", "5"}}),
            "cache.rule.network.ttl_ms");
  EXPECT_EQ(keys({{"cache.rules", ""}}), "");
  // A bad value is the key table's problem, found before any rule is built.
  auto bad = config::ConfigLoader::load("", {{"cache.rule.processes.paths", "api/x"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.problems.front().rfind("cache.rule.processes.paths: ", 0), 0u);
}

TEST_F(ResponseCacheTest, AdminJson) {
  get("/api/agents#a", "0123456789");
  get("/api/agents#a");
  std::ostringstream out;
  cache_.toJson()->stringify(out);
  EXPECT_EQ(out.str(),
            "{\"entries\":1,\"bytes\":39,\"max_entries\":100,\"max_bytes\":1048576,\"hits\":1,"
            "\"misses\":1,\"coalesced\":0,\"timeouts\":0,\"evictions\":0,\"rules\":[{\"name\":"
            "\"agents\",\"paths\":[\"/api/agents\",\"/api/agents/*\"],\"ttl_ms\":1000,"
            "\"entries\":1,\"hits\":1,\"misses\":1,\"coalesced\":0,\"timeouts\":0}]}");
}

class NeverRead final : public http::BodyStream {
 public:
  Step next(std::string&) override { return Step::kDone; }
};

TEST_F(ResponseCacheTest, AStreamedAnswerGoesToItsCallerAloneAndIsNeverCached) {
  std::atomic<bool> computing{false};
  std::atomic<bool> release{false};
  auto streamed = [&]() -> common::Result<CachedResponse> {
    ++computations_;
    computing = true;
    while (!release) std::this_thread::sleep_for(milliseconds(1));
    return http::Reply::streamed(200, "application/x-ndjson", std::make_shared<NeverRead>());
  };
  common::Result<CacheLookup> waiter = common::Error{};
  std::thread second;
  auto first = [&] {
    return cache_.getOrCompute("/api/agents/export#admin", rule(), deadline(), streamed);
  };
  std::thread caller([&] {
    auto mine = first();
    ASSERT_TRUE(mine.ok());
    EXPECT_NE(mine->response->stream, nullptr);
  });
  while (!computing) std::this_thread::sleep_for(milliseconds(1));
  second = std::thread([&] { waiter = first(); });
  // The waiter is coalesced onto the computation in flight before it finishes.
  while (cache_.counters().coalesced == 0) std::this_thread::sleep_for(milliseconds(1));
  release = true;
  caller.join();
  second.join();
  ASSERT_FALSE(waiter.ok()) << "a one-use stream must not be handed to a second connection";
  EXPECT_EQ(waiter.error().code, common::ErrorCode::kUnavailable);
  EXPECT_EQ(cache_.entries(), 0u);
  computing = false;
  auto again = first();
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->outcome, CacheOutcome::kMiss);
  EXPECT_EQ(computations_, 2);
}

}  // namespace
}  // namespace cc::middleware
