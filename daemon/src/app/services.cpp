#include "app/services.h"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <optional>

#include "common/logging.h"
#include "metrics/process_metrics.h"
#include "ws/session.h"
#include "ws/ws_routes.h"

namespace cc::app {

Services::~Services() {
  // Before anything a handler may touch: an abandoned handler (its client already has a 504)
  // can still be in the store and will announce its write to the hub when it returns.
  runner.reset();
  executor.reset();
  // Then the bus, whose threads call into the token service, the cache and the hub (what is
  // queued still goes out).
  if (bus) bus->stop();
  if (hub) hub->shutdown();
  if (reactor) reactor->stop();
  if (sampler) sampler->stop();
  if (db_probe) db_probe->stop();
}

bool Services::alive(int threads_busy, int threads_max, int64_t requests_total) {
  auto h = sampler->health(clock.now());
  int64_t stale_ms = std::max<int64_t>(5000, 3 * sampler->interval().count());
  bool collector_fresh = h.last_success_ms > 0 && clock.wallMillis() - h.last_success_ms < stale_ms;
  // Wedged: every worker was busy at the last check and still is, with no request finished.
  bool wedged =
      was_saturated_ && threads_busy >= threads_max && requests_total == last_requests_total_;
  was_saturated_ = threads_busy >= threads_max;
  last_requests_total_ = requests_total;
  return collector_fresh && !wedged;
}

common::Result<std::unique_ptr<Services>> Services::create(const DaemonSettings& settings,
                                                           const common::Clock& clock) {
  const config::Config& config = *settings.config;
  std::unique_ptr<Services> s(new Services(clock));

  auto opened = store::Store::open(settings.store, clock);
  if (!opened) return opened.error();
  s->store = std::move(*opened);
  if (const int64_t built = s->store->indexesBuiltAtOpen(); built > 0) {
    spdlog::warn(
        "the last run stopped during a bulk load of agents: built the {} indexes it had "
        "deferred",
        built);
  }
  if (auto f = s->store->faults().settings(); f.error_rate > 0 || f.delay_ms > 0) {
    spdlog::warn(
        "FAULT INJECTION IS ON for the store (fault.db.*): requests will fail or slow "
        "down on purpose");
  }

  auth::TokenService::Options token_options;
  token_options.ttl_s = settings.store.token_ttl_s;
  token_options.cache_size = static_cast<std::size_t>(settings.store.token_cache_size);
  token_options.cache_lifetime_ms = settings.store.token_cache_lifetime_ms;
  s->tokens = std::make_unique<auth::TokenService>(s->store->tokens(), clock, token_options);
  s->users = std::make_unique<auth::UserService>(s->store->users(), *s->tokens, clock);
  const char* env_password = std::getenv("CONTROLCENTER_ADMIN_PASSWORD");
  auto bootstrap =
      s->users->ensureAdmin(config.getString("daemon.state_dir"), env_password ? env_password : "");
  if (!bootstrap) return bootstrap.error();
  if (*bootstrap) {
    spdlog::warn("created user 'admin'; its generated password is in {} (mode 0600)", **bootstrap);
  }

  const system::SamplerSettings& sampler_settings = settings.sampler;
  s->sampler = std::make_unique<system::SystemSampler>(
      system::makeHostProbe(sampler_settings.proc_root, sampler_settings.connections_interval),
      clock, sampler_settings.interval);
  s->sampler->start();
  // Serve real numbers from the first request on, CPU percentages and rates included: they
  // need two rounds (the second comes after the sampler's short priming interval), and ready
  // must mean every view has its data. A slow round only delays start-up by a bounded amount,
  // and /health shows it.
  if (!s->sampler->waitForRounds(2, common::Millis(3000))) {
    spdlog::warn("the first two host metrics rounds took over 3 s; starting anyway");
  }

  s->db_breaker = std::make_unique<breaker::CircuitBreaker>("db", settings.db_breaker, clock);
  auto& transitions = s->metrics.counterFamily("controlcenter_breaker_transitions_total",
                                               "Circuit breaker state changes.", {"name", "to"});
  s->db_breaker->setTransitionCallback([&transitions](const std::string& name,
                                                      breaker::BreakerState from,
                                                      breaker::BreakerState to) {
    transitions.labels({name, std::string(breaker::stateName(to))}).inc();
    auto level = to == breaker::BreakerState::kOpen ? spdlog::level::warn : spdlog::level::info;
    spdlog::log(level, "circuit breaker '{}': {} -> {}", name, breaker::stateName(from),
                breaker::stateName(to));
  });

  s->cache = std::make_shared<middleware::ResponseCache>(settings.cache, clock);
  if (settings.redis.ratelimit_backend == shared_state::RateLimitBackend::kRedis) {
    // Redis is asked on the request threads: never more connections than those. A Redis down at
    // start is no reason not to start: the failure mode decides until it answers.
    shared_state::RedisPool::Options pool_options;
    pool_options.max_connections = static_cast<std::size_t>(
        std::max<int64_t>(1, config.getInt("http.threads") + config.getInt("admin.threads")));
    s->redis = std::make_shared<shared_state::RedisPool>(settings.redis, clock, pool_options);
    s->redis_rate_limit = std::make_shared<shared_state::RedisRateLimitBackend>(
        s->redis, settings.redis.ratelimit_failure, clock, s->metrics);
    spdlog::info("rate limits shared through Redis {} (ratelimit.redis_failure = {})",
                 settings.redis.url.display(),
                 shared_state::redisFailureModeName(settings.redis.ratelimit_failure));
  }
  s->rate_limit = std::make_shared<middleware::RateLimitStage>(
      std::make_shared<middleware::RateLimiter>(settings.rate_limit, clock, nullptr,
                                                s->rateLimitStores()),
      s->metrics);

  // Store-backed handlers run here so a stuck store call cannot hold the connection past its
  // deadline. One thread per connection thread of both listeners: a request must wait for a
  // session in the pool, bounded by db.pool.acquire_timeout_ms (503 db_pool_exhausted), never
  // in this queue, where only its own deadline would end the wait.
  auto threads = static_cast<std::size_t>(
      std::max(config.getInt("db.pool.max"),
               config.getInt("http.threads") + config.getInt("admin.threads")));
  s->executor = std::make_unique<common::TaskExecutor>(threads, 4096);
  s->runner = std::make_unique<middleware::RouteRunner>(*s->executor, s->cache, clock);

  if (config.entries().at("ws.io_threads").source != "default") {
    spdlog::warn(
        "ws.io_threads is deprecated and ignored: the WebSockets are served on the {} "
        "http.event_loops threads",
        settings.http.event_loops);
  }
  s->reactor = std::make_unique<http::Reactor>(
      http::Reactor::Options{settings.http.event_loops, settings.http.event_loop_nice,
                             settings.http.name, settings.http.event_loop_batch});
  if (!s->reactor->start()) {
    return common::Error{common::ErrorCode::kInternal,
                         "cannot start the event loops (http.event_loops): no poll set or wake-up",
                         {},
                         0};
  }
  auth::TokenService* tokens = s->tokens.get();
  s->hub = std::make_unique<ws::Hub>(
      settings.hub, ws::snapshotsOf(*s->sampler),
      [tokens](const std::string& token) -> std::optional<http::Identity> {
        auto identity = tokens->validate(token);
        if (!identity) return std::nullopt;
        return http::Identity{identity->username, std::string(domain::toString(identity->role))};
      },
      *s->reactor);
  s->hub->registerMetrics(s->metrics);
  s->hub->start();

  if (settings.redis.bus_backend == shared_state::BusBackend::kRedis) s->startBus(settings.redis);
  ws::Hub* hub = s->hub.get();
  shared_state::MessageBus* bus = s->bus.get();
  s->domain.reset(new http::handlers::DomainServices{
      *s->store, *s->tokens, *s->users, clock,
      static_cast<int>(settings.store.agents_active_window_s),
      [hub, bus](const std::string& topic, const std::string& event) {
        hub->publish(topic == "projects" ? ws::kTopicProjects : ws::kTopicAgents, event);
        if (bus) bus->announce({shared_state::BusMessage::Kind::kEvent, topic, event});
      },
      [cache = s->cache, bus](const std::string& prefix) {
        cache->invalidatePrefix(prefix);
        if (bus) bus->announce({shared_state::BusMessage::Kind::kCacheInvalidated, "", prefix});
      }});

  s->startDbProbe();
  s->registerMetrics();
  s->registerHealthChecks();
  return s;
}

namespace {

using Revocation = auth::TokenService::Revocation;
using BusKind = shared_state::BusMessage::Kind;

// A revocation made here as the bus carries it, and a message of the bus as the revocation it
// names (nothing for the other kinds).
shared_state::BusMessage busMessageOf(const Revocation& r) {
  switch (r.kind) {
    case Revocation::Kind::kHash:
      return {BusKind::kTokenRevoked, "", r.value};
    case Revocation::Kind::kIdPrefix:
      return {BusKind::kTokenIdRevoked, "", r.value};
    case Revocation::Kind::kUser:
      break;
  }
  return {BusKind::kUserRevoked, "", r.value};
}

std::optional<Revocation> revocationOf(const shared_state::BusMessage& m) {
  switch (m.kind) {
    case BusKind::kTokenRevoked:
      return Revocation{Revocation::Kind::kHash, m.value};
    case BusKind::kTokenIdRevoked:
      return Revocation{Revocation::Kind::kIdPrefix, m.value};
    case BusKind::kUserRevoked:
      return Revocation{Revocation::Kind::kUser, m.value};
    case BusKind::kCacheInvalidated:
    case BusKind::kEvent:
      break;
  }
  return std::nullopt;
}

// The resync event: a subscriber may have missed events and should read the rows again.
constexpr const char* kResyncEvent = R"({"type":"resync","reason":"bus_reconnected"})";

}  // namespace

void Services::startBus(const shared_state::RedisSettings& redis_settings) {
  shared_state::MessageBus::Options options;
  options.channel = redis_settings.bus_channel;
  options.reconnect_max = redis_settings.bus_reconnect_max;
  auth::TokenService* token_service = tokens.get();
  middleware::ResponseCache* response_cache = cache.get();
  ws::Hub* ws_hub = hub.get();
  bus = std::make_unique<shared_state::MessageBus>(
      redis_settings, clock, options,
      [token_service, response_cache, ws_hub](const shared_state::BusMessage& m) {
        if (auto revocation = revocationOf(m)) {
          token_service->forgetRevoked(*revocation);
        } else if (m.kind == BusKind::kCacheInvalidated) {
          response_cache->invalidatePrefix(m.value);
        } else if (auto topic = ws::parseTopic(m.topic); topic && *topic != ws::kTopicMetrics) {
          ws_hub->publish(*topic, m.value);
        }
      },
      [token_service, response_cache, ws_hub] {
        token_service->forgetAll();
        response_cache->flush(std::nullopt);
        ws_hub->publish(static_cast<ws::Topic>(ws::kTopicAgents | ws::kTopicProjects),
                        kResyncEvent);
      });
  shared_state::MessageBus* b = bus.get();
  tokens->setRevocationListener([b](const Revocation& r) { b->announce(busMessageOf(r)); });
  bus->start();
  spdlog::info("message bus on Redis {} channel {} (instance {})", redis_settings.url.display(),
               bus->channel(), bus->instance());
}

Poco::Dynamic::Var Services::busStatus() const {
  if (bus) return bus->toJson();
  Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  o->set("backend", "local");
  return o;
}

void Services::registerBusMetrics() {
  if (!bus) return;
  metrics.addCollector([this](std::vector<metrics::CollectedFamily>& out) {
    shared_state::MessageBusStats b = bus->stats();
    shared_state::RedisSubscriberStats sub = bus->subscriberStats();
    out.push_back({"controlcenter_bus_messages_total",
                   "Bus messages by outcome: published to Redis, dropped (the queue was full, or "
                   "Redis was gone at shutdown), received (from another daemon).",
                   metrics::MetricType::kCounter,
                   {{{{"outcome", "published"}}, double(b.published)},
                    {{{"outcome", "dropped"}}, double(b.dropped)},
                    {{{"outcome", "received"}}, double(b.received)}},
                   {}});
    out.push_back({"controlcenter_bus_publish_failures_total",
                   "PUBLISH attempts Redis did not answer; their messages are kept and tried "
                   "again a second later.",
                   metrics::MetricType::kCounter,
                   {{{}, double(b.publish_failures)}},
                   {}});
    out.push_back({"controlcenter_bus_subscribed",
                   "1 while the bus is subscribed on Redis.",
                   metrics::MetricType::kGauge,
                   {{{}, sub.subscribed ? 1.0 : 0.0}},
                   {}});
    out.push_back({"controlcenter_bus_resyncs_total",
                   "Subscriptions regained after a loss (caches dropped, resync sent).",
                   metrics::MetricType::kCounter,
                   {{{}, double(b.resyncs)}},
                   {}});
    out.push_back({"controlcenter_bus_queued",
                   "Bus messages waiting to be published.",
                   metrics::MetricType::kGauge,
                   {{{}, double(b.queued)}},
                   {}});
  });
}

void Services::reload(const DaemonSettings& settings) {
  std::shared_ptr<middleware::RateLimiter> previous = rate_limit->sharedLimiter();
  rate_limit->setLimiter(std::make_shared<middleware::RateLimiter>(
      settings.rate_limit, clock, previous.get(), rateLimitStores()));
  cache->reconfigure(settings.cache);
  db_breaker->reconfigure(settings.db_breaker);
  auto before = store->faults().settings();
  store->faults().set({settings.store.fault_delay_ms, settings.store.fault_error_rate});
  if (auto f = store->faults().settings();
      (f.error_rate > 0 || f.delay_ms > 0) &&
      (f.error_rate != before.error_rate || f.delay_ms != before.delay_ms)) {
    spdlog::warn("FAULT INJECTION IS ON for the store: delay {} ms, error rate {}", f.delay_ms,
                 f.error_rate);
  }
  sampler->setInterval(settings.sampler.interval);
}

void Services::startDbProbe() {
  // A file store has no server to lose; its failures show in the breaker and the disk state.
  if (!store->hasServer()) return;
  store::Store* db = store.get();
  db_probe = std::make_unique<health::PeriodicProbe>(
      "SELECT 1 on " + store->options().postgresql.url.display(),
      [db](common::SteadyTime deadline) { return db->probeServer(deadline); }, clock,
      health::PeriodicProbe::Options{});
  db_probe->setTransitionCallback([](const common::Status& status) {
    if (status.ok()) {
      spdlog::info("the database server answers again: ready unless another check fails");
    } else {
      spdlog::warn("the database server does not answer ({}): not ready until it does",
                   status.error().message);
    }
  });
  db_probe->start();
}

middleware::RateLimiter::StoreFactory Services::rateLimitStores() const {
  return redis_rate_limit ? redis_rate_limit->storeFactory()
                          : middleware::RateLimiter::StoreFactory{};
}

Poco::Dynamic::Var Services::redisStatus() const {
  if (!redis) return Poco::Dynamic::Var();
  Poco::JSON::Object::Ptr o = redis->toJson();
  if (redis_rate_limit) o->set("ratelimit", redis_rate_limit->toJson());
  return o;
}

void Services::registerRedisMetrics() {
  if (!redis) return;
  metrics.addCollector([this](std::vector<metrics::CollectedFamily>& out) {
    shared_state::RedisPoolStats p = redis->stats();
    out.push_back({"controlcenter_redis_pool_connections",
                   "Redis connections by state.",
                   metrics::MetricType::kGauge,
                   {{{{"state", "in_use"}}, double(p.in_use)},
                    {{{"state", "idle"}}, double(p.idle)},
                    {{{"state", "max"}}, double(p.max)}},
                   {}});
    auto counter = [&](const char* name, const char* help, uint64_t value) {
      out.push_back({name, help, metrics::MetricType::kCounter, {{{}, double(value)}}, {}});
    };
    counter("controlcenter_redis_connections_opened_total",
            "Redis connections opened (connect, AUTH and SELECT succeeded).", p.connections);
    counter("controlcenter_redis_commands_total", "Redis commands sent.", p.borrows);
    counter("controlcenter_redis_failures_total",
            "Redis commands without a reply: connect, AUTH, I/O, timeout, or within the second "
            "after such a failure.",
            p.failures);
    counter("controlcenter_redis_discards_total",
            "Redis connections closed after a failure or a failed PING, never reused.", p.discards);
  });
}

void Services::registerMetrics() {
  metrics::registerProcessMetrics(metrics);
  registerRedisMetrics();
  registerBusMetrics();
  if (db_probe) {
    metrics.gaugeCallback(
        "controlcenter_db_server_up",
        "1 while the database server answered the latest readiness probe (SELECT 1 once a "
        "second on a connection of its own), else 0. PostgreSQL only.",
        [this] { return db_probe->stats().up ? 1.0 : 0.0; });
    metrics.counterCallback("controlcenter_db_server_probe_failures_total",
                            "Readiness probes of the database server that failed or timed out.",
                            [this] { return double(db_probe->stats().failures_total); });
  }
  metrics.addCollector([this](std::vector<metrics::CollectedFamily>& out) {
    store::PoolStats p = store->poolStats();
    metrics::CollectedFamily sessions{"controlcenter_db_pool_sessions",
                                      "Store sessions by state.",
                                      metrics::MetricType::kGauge,
                                      {{{{"state", "in_use"}}, double(p.in_use)},
                                       {{{"state", "idle"}}, double(p.idle)},
                                       {{{"state", "waiting"}}, double(p.waiting)},
                                       {{{"state", "max"}}, double(p.max)}},
                                      {}};
    out.push_back(std::move(sessions));
    metrics::CollectedFamily wait{"controlcenter_db_pool_wait_seconds",
                                  "Time spent waiting for a store session.",
                                  metrics::MetricType::kHistogram,
                                  {},
                                  {}};
    for (std::size_t i = 0; i < store::WaitHistogram::kBuckets; ++i) {
      std::string le = i + 1 < store::WaitHistogram::kBuckets
                           ? metrics::formatValue(store::WaitHistogram::kBoundsMs[i] / 1000.0)
                           : "+Inf";
      wait.samples.push_back({{{"le", le}}, double(p.wait.cumulative(i))});
      wait.suffixes.emplace_back("_bucket");
    }
    wait.samples.push_back({{}, p.wait.sum_ms / 1000.0});
    wait.suffixes.emplace_back("_sum");
    wait.samples.push_back({{}, double(p.wait.count)});
    wait.suffixes.emplace_back("_count");
    out.push_back(std::move(wait));
    store::StorageState storage = store->storage();
    out.push_back({"controlcenter_db_storage_full",
                   "1 while the latest store write found the disk full, else 0.",
                   metrics::MetricType::kGauge,
                   {{{}, storage.full ? 1.0 : 0.0}},
                   {}});
    out.push_back({"controlcenter_db_storage_full_errors_total",
                   "Store writes refused because the disk was full (507 insufficient_storage).",
                   metrics::MetricType::kCounter,
                   {{{}, double(storage.full_errors_total)}},
                   {}});
    out.push_back({"controlcenter_db_reopens_total",
                   "Store failures (read-only, I/O, unopenable or replaced file) that closed the "
                   "idle sessions so that new ones are opened.",
                   metrics::MetricType::kCounter,
                   {{{}, double(storage.reopens_total)}},
                   {}});
    out.push_back({"controlcenter_db_pool_timeouts_total",
                   "Waits for a store session that ended without one.",
                   metrics::MetricType::kCounter,
                   {{{}, double(p.timeouts_total)}},
                   {}});
    const store::CommitStats commits = store->commitStats();
    auto counter = [&](const char* name, const char* help, uint64_t value) {
      out.push_back({name, help, metrics::MetricType::kCounter, {{{}, double(value)}}, {}});
    };
    counter("controlcenter_db_commits_total",
            "Store write transactions committed (each carries one or more writes).",
            commits.batches_total);
    counter("controlcenter_db_committed_writes_total",
            "Store writes committed; divided by commits, the writes sharing each fsync.",
            commits.works_total);
    counter("controlcenter_db_failed_commits_total",
            "Store write transactions lost (BEGIN or COMMIT failed, or SQLite abandoned them).",
            commits.failed_batches_total);
    counter("controlcenter_db_write_queue_timeouts_total",
            "Store writes that gave up waiting for their turn and never ran.",
            commits.queue_timeouts_total);
    counter("controlcenter_db_writer_opens_total",
            "Store writer connections opened (the first, after faults, and when aged out).",
            commits.writer_opens_total);
    out.push_back({"controlcenter_db_write_queue",
                   "Store writes waiting for the next transaction.",
                   metrics::MetricType::kGauge,
                   {{{}, double(commits.queued)}},
                   {}});
    const store::CheckpointStats checkpoints = store->checkpointStats();
    counter("controlcenter_db_checkpoints_total",
            "Write-ahead log checkpoints run (by the background thread, or by the writer when "
            "the log reached 64 x db.checkpoint_pages).",
            checkpoints.checkpoints_total);
    counter("controlcenter_db_checkpoint_backstops_total",
            "Checkpoints the writer ran itself because the log had grown too long.",
            checkpoints.backstop_total);
    counter("controlcenter_db_checkpoint_failures_total",
            "Write-ahead log checkpoints that failed (retried every second).",
            checkpoints.failures_total);
    out.push_back({"controlcenter_db_wal_pages",
                   "Pages in the write-ahead log after the latest commit.",
                   metrics::MetricType::kGauge,
                   {{{}, double(checkpoints.wal_pages)}},
                   {}});
    double state = 0;
    switch (db_breaker->state()) {
      case breaker::BreakerState::kClosed:
        state = 0;
        break;
      case breaker::BreakerState::kHalfOpen:
        state = 1;
        break;
      case breaker::BreakerState::kOpen:
        state = 2;
        break;
    }
    out.push_back({"controlcenter_breaker_state",
                   "Circuit breaker state: 0 closed, 1 half-open, 2 open.",
                   metrics::MetricType::kGauge,
                   {{{{"name", db_breaker->name()}}, state}},
                   {}});
  });
  metrics.counterCallback("controlcenter_cache_hits_total", "Response cache hits.",
                          [this] { return double(cache->counters().hits); });
  metrics.counterCallback("controlcenter_cache_misses_total", "Response cache misses.",
                          [this] { return double(cache->counters().misses); });
  metrics.counterCallback("controlcenter_cache_coalesced_total",
                          "Requests that waited for another's computation of the same answer.",
                          [this] { return double(cache->counters().coalesced); });
  metrics.gaugeCallback("controlcenter_cache_entries", "Answers held in the response cache.",
                        [this] { return double(cache->entries()); });
  metrics.counterCallback("controlcenter_access_log_dropped_total",
                          "Access log lines dropped, the oldest waiting first, because their "
                          "writer (stderr or log.file) had fallen 8192 lines behind.",
                          [] { return double(common::accessLogDropped()); });
  metrics.gaugeCallback(
      "controlcenter_ready",
      "1 while /health/ready answers 200 (started, not draining, every readiness check passing).",
      [this] { return health.readiness().status == health::HealthStatus::kFail ? 0.0 : 1.0; });
  metrics.gaugeCallback("controlcenter_collector_duration_seconds",
                        "Duration of the last host metrics sampling round.", [this] {
                          auto h = sampler->health(clock.now());
                          return std::chrono::duration<double>(h.last_round_duration).count();
                        });
}

void Services::registerHealthChecks() {
  health.add(
      "store",
      [this] {
        switch (db_breaker->state()) {
          case breaker::BreakerState::kOpen:
            return health::CheckResult{health::HealthStatus::kFail,
                                       "circuit breaker open: the store is failing"};
          case breaker::BreakerState::kHalfOpen:
            return health::CheckResult{health::HealthStatus::kWarn,
                                       "circuit breaker half-open: probing the store"};
          case breaker::BreakerState::kClosed:
            break;
        }
        auto p = store->poolStats();
        // A full disk warns but keeps the daemon ready: reads still work, writes answer 507 and
        // recover by themselves, and a load balancer pulling every instance whose shared disk
        // is full would turn a write outage into a total one.
        if (auto storage = store->storage(); storage.full) {
          return health::CheckResult{health::HealthStatus::kWarn,
                                     "disk full: writes refused with 507 since " +
                                         common::formatIsoTime(storage.full_since_ms) + " (" +
                                         std::to_string(storage.full_errors_total) +
                                         " refused in all); reads work"};
        }
        return health::CheckResult{
            health::HealthStatus::kPass,
            "pool " + std::to_string(p.in_use) + "/" + std::to_string(p.max) + " in use"};
      },
      true);
  if (db_probe) {
    health.add(
        "database", [this] { return db_probe->check(clock.now()); }, true);
  }
  if (redis_rate_limit) {
    health.add(
        "redis",
        [this] {
          shared_state::RedisRateLimitCounts c = redis_rate_limit->counts();
          if (c.degraded) {
            return health::CheckResult{
                health::HealthStatus::kWarn,
                "rate limits not shared since " + common::formatIsoTime(c.degraded_since_ms) +
                    " (ratelimit.redis_failure = " +
                    std::string(shared_state::redisFailureModeName(redis_rate_limit->mode())) +
                    "): " + c.last_error};
          }
          return health::CheckResult{health::HealthStatus::kPass,
                                     "rate limits shared on " + redis->settings().url.display()};
        },
        false);
  }
  if (bus) {
    health.add(
        "bus",
        [this] {
          shared_state::RedisSubscriberStats sub = bus->subscriberStats();
          if (!sub.subscribed) {
            return health::CheckResult{
                health::HealthStatus::kWarn,
                "not subscribed to " + bus->channel() + " since " +
                    common::formatIsoTime(sub.since_ms) +
                    ": other daemons' revocations, invalidations and events are not seen (" +
                    (sub.last_error.empty() ? std::string("connecting") : sub.last_error) + ")"};
          }
          return health::CheckResult{health::HealthStatus::kPass,
                                     "subscribed to " + bus->channel()};
        },
        false);
  }
  health.add(
      "collector",
      [this] {
        auto h = sampler->health(clock.now());
        return health::CheckResult{h.status == system::SamplerHealth::Status::kPass
                                       ? health::HealthStatus::kPass
                                       : health::HealthStatus::kWarn,
                                   h.message};
      },
      false);
}

}  // namespace cc::app
