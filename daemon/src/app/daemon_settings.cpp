#include "app/daemon_settings.h"

#include <Poco/Net/IPAddress.h>

#include <algorithm>
#include <thread>

#include "config/key_table.h"
#include "service/socket_activation.h"

namespace cc::app {
namespace {

http::ServerSettings publicListener(const config::Config& c) {
  http::ServerSettings s;
  s.name = "http";
  s.threads = c.getInt32("http.threads");
  s.event_loops = c.getInt32("http.event_loops");
  s.event_loop_nice = c.getInt32("http.event_loop_nice");
  s.event_loop_batch = c.getBool("http.event_loop_batch");
  if (s.event_loops == 0) {
    s.event_loops = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  }
  s.queue = c.getInt32("http.queue");
  s.keepalive_timeout_s = c.getInt32("http.keepalive_timeout_s");
  s.max_keepalive_requests = c.getInt32("http.max_keepalive_requests");
  s.header_timeout_ms = c.getInt32("http.header_timeout_ms");
  s.request_timeout_ms = c.getInt32("http.request_timeout_ms");
  s.send_timeout_ms = c.getInt32("http.send_timeout_ms");
  s.max_request_bytes = c.getInt("overload.max_request_bytes");
  s.max_response_bytes = c.getInt("overload.max_response_bytes");
  s.max_body_bytes = c.getInt("http.max_body_bytes");
  s.import_max_body_bytes = c.getInt("http.import_max_body_bytes");
  s.access_log = c.getBool("log.access");
  return s;
}

// The admin listeners take the public one's timeouts and limits (so a reload changes all three
// alike) with their own threads and a short queue; their loops are the daemon's one reactor's.
http::ServerSettings adminListener(const config::Config& c, const std::string& name) {
  http::ServerSettings s = publicListener(c);
  s.name = name;
  s.threads = c.getInt32("admin.threads");
  s.queue = 64;
  return s;
}

// A load problem is one line; when it starts with a key ("key: ..."), that key is its key.
config::Problem loadProblem(const std::string& line) {
  std::size_t colon = line.find(": ");
  std::string key = colon == std::string::npos ? "" : line.substr(0, colon);
  if (config::findKey(key) == nullptr) key.clear();
  return {key, line};
}

}  // namespace

SettingsResult DaemonSettings::build(config::ConfigPtr config) {
  const config::Config& c = *config;
  SettingsResult result;
  config::Problems& problems = result.problems;
  auto s = std::make_shared<DaemonSettings>();

  s->http = publicListener(c);
  s->admin = adminListener(c, "admin");
  s->admin_unix = adminListener(c, service::kAdminUnixFdName);
  s->max_connections_per_client = c.getInt32("http.max_connections_per_client");
  s->log_level = c.getString("log.level");
  s->rate_limit = middleware::RateLimitConfig::fromConfig(c, problems);
  s->cache = middleware::ResponseCacheConfig::fromConfig(c, problems);
  s->db_breaker = breaker::BreakerConfig::fromConfig(c, "db");
  s->store = store::StoreOptions::fromConfig(c);
  s->redis = shared_state::RedisSettings::fromConfig(c, problems);
  s->sampler = system::SamplerSettings::fromConfig(c);
  s->hub = ws::HubSettings::fromConfig(c);
  s->cors = middleware::CorsPolicy::fromConfig(c);
  s->metrics_public = c.getBool("metrics.public");
  s->metrics_public_key_file = c.getString("metrics.public_key_file");

  const std::string admin_address = c.getString("admin.address");
  if (!Poco::Net::IPAddress(admin_address).isLoopback() && !c.getBool("admin.allow_remote")) {
    problems.push_back(config::keyProblem(
        "admin.address", admin_address +
                             " is not a loopback address; set admin.allow_remote = true to "
                             "allow it"));
  }
  if (s->metrics_public && s->metrics_public_key_file.empty()) {
    problems.push_back(config::keyProblem(
        "metrics.public_key_file",
        "must name the file holding the scrapers' key when metrics.public is on"));
  }
  if (s->store.backend == store::StoreBackend::kPostgresql) {
    s->store.postgresql = store::postgresql::ConnectionSettings::fromConfig(c, problems);
#ifdef _WIN32
    // The URL, the password file and the pool are checked above all the same, so that an
    // operator preparing the move sees every other problem now.
    problems.push_back(config::keyProblem("db.backend", store::kPostgresqlNotYetAvailable));
#endif
  }
  if (s->store.pool.min > s->store.pool.max) {
    problems.push_back(config::keyProblem(
        "db.pool.min", "must not exceed db.pool.max (" + std::to_string(s->store.pool.max) +
                           "), got " + std::to_string(s->store.pool.min)));
  }

  s->config = std::move(config);
  if (problems.empty()) result.settings = std::move(s);
  return result;
}

SettingsResult DaemonSettings::load(const std::string& file,
                                    const config::ConfigLoader::Defines& defines) {
  config::LoadResult loaded = config::ConfigLoader::load(file, defines);
  if (loaded.ok()) return build(loaded.config);
  SettingsResult result;
  for (const auto& line : loaded.problems) result.problems.push_back(loadProblem(line));
  return result;
}

}  // namespace cc::app
