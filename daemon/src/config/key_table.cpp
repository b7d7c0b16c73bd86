#include "config/key_table.h"

#include <Poco/Net/IPAddress.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "common/spelling.h"
#include "common/unix_address.h"
#include "middleware/client_address.h"
#include "middleware/rate_limit_config.h"
#include "shared_state/redis_url.h"
#include "store/postgresql/connection_url.h"

namespace cc::config {
namespace v = validators;
namespace {

std::vector<KeySpec> buildTable() {
  using K = KeyType;
  const auto levels =
      v::oneOf({"trace", "debug", "info", "warn", "warning", "error", "critical", "off"});
  return {
      // http: the public listener
      {"http.address", K::kString, "127.0.0.1", false, "Address the public HTTP listener binds.",
       v::ipAddress()},
      {"http.port", K::kInt, "8080", false,
       "Port of the public HTTP listener; 0 picks a free port (logged and written to "
       "${daemon.state_dir}/listeners.json).",
       v::intRange(0, 65535)},
      {"http.threads", K::kInt, "256", false,
       "Worker threads serving what the event loops hand over (bodies over 16 KiB or slow to "
       "come, bulk and streamed routes, cached routes, Redis rate limits, upgrades); a "
       "keep-alive connection holds one while it is busy with those.",
       v::intRange(1, 1024)},
      {"http.event_loops", K::kInt, "0", false,
       "Event loop threads holding connections between requests and serving, without a "
       "worker, the requests that need nothing but memory (/health, the system views, "
       "rejections) and the store requests they read whole (their handlers on the executor); "
       "0: one per core.",
       v::intRange(0, 64)},
      {"http.event_loop_nice", K::kInt, "-10", false,
       "Scheduling priority (nice value) of the event loops, above the workers so that what "
       "they answer is answered at once while the workers are busy. Raising it needs "
       "CAP_SYS_NICE or RLIMIT_NICE (the packaged unit sets LimitNICE=-10); refused, it is "
       "logged once and the loops run at the default. 0 leaves them at the default.",
       v::intRange(-20, 19)},
      {"http.event_loop_batch",
       K::kBool,
       "true",
       false,
       "Schedule the event loops as batch work (Linux SCHED_BATCH; nothing on Windows): a "
       "loop woken by a request waits for the running thread's turn to end instead of taking "
       "its core at once, and then finds more requests ready. They keep their nice value and "
       "share of the CPU; what is ready waits a turn longer. false: a loop preempts at once.",
       {}},
      {"http.queue", K::kInt, "1024", false,
       "Accepted connections that may wait for a worker; past it new connections are refused "
       "(closed at once) and counted.",
       v::intRange(1, 100000)},
      {"http.keepalive_timeout_s", K::kInt, "5", false,
       "Seconds an idle keep-alive connection is kept open.", v::intRange(1, 3600)},
      {"http.max_keepalive_requests", K::kInt, "1000", false,
       "Requests served on one connection before it is closed; 0 means no limit.",
       v::intRange(0, 10000000)},
      {"http.request_timeout_ms", K::kInt, "10000", true,
       "Budget of one request, from the first byte to the answer.", v::intRange(10, 600000)},
      {"http.send_timeout_ms", K::kInt, "10000", true,
       "Time a response may wait for a client that reads none of it; past it the connection is "
       "closed, its worker and buffers freed, and it is counted as a slow reader. A reload "
       "applies to connections accepted after it.",
       v::intRange(100, 600000)},
      {"http.header_timeout_ms", K::kInt, "10000", false,
       "Time allowed for a client to send a request's headers (and between reads of a body).",
       v::intRange(100, 600000)},
      {"http.max_body_bytes", K::kInt, "1048576", true,
       "Largest request body accepted; larger ones get 413 without being read.",
       v::intRange(0, 1073741824)},
      {"http.import_max_body_bytes", K::kInt, "4294967296", true,
       "Largest body of a bulk import (POST /api/agents/import, /api/projects/import), which is "
       "read as it arrives rather than held: its memory does not grow with it.",
       v::intRange(0, int64_t{1} << 40)},
      {"http.max_connections_per_client", K::kInt, "200", true,
       "Connections one client address may hold open (queued or served); past it a new one is "
       "answered 429 before it takes a worker. Trusted proxies are exempt; 0 means no cap.",
       v::intRange(0, 100000)},
      {"http.cors.allowed_origins", K::kList, "", true,
       "Browser origins (scheme://host[:port], exact) allowed to call the public API across "
       "origins, or * for any; empty sends no CORS headers at all.",
       v::originList()},
      // admin: the operator listener
      {"admin.address", K::kString, "127.0.0.1", false,
       "Address of the admin listener. Non-loopback addresses need admin.allow_remote.",
       v::ipAddress()},
      {"admin.port", K::kInt, "8081", false, "Port of the admin listener; 0 picks a free port.",
       v::intRange(0, 65535)},
      {"admin.allow_remote",
       K::kBool,
       "false",
       false,
       "Allow the admin listener on a non-loopback address.",
       {}},
      {"admin.threads", K::kInt, "4", false, "Worker threads of the admin listener.",
       v::intRange(1, 64)},
      {"admin.socket", K::kString, "", false,
       "Also serve the admin API on this Unix socket (mode 0660), e.g. "
       "/run/controlcenter/admin.sock; empty: none. Not on Windows.",
       v::unixSocketPath()},
      {"admin.token_file", K::kString, "${daemon.state_dir}/admin.token", false,
       "Bearer token of the admin API; created with 256 random bits, mode 0600, if missing.",
       v::notEmpty()},
      // daemon: process lifecycle
      {"daemon.state_dir", K::kString, "/var/lib/controlcenter", false,
       "Directory for the database, the admin token and runtime files; created if missing.",
       v::notEmpty()},
      {"daemon.pidfile", K::kString, "${daemon.state_dir}/controlcenterd.pid", false,
       "PID file, locked for the life of the process so only one instance runs.", v::notEmpty()},
      {"daemon.shutdown_grace_ms", K::kInt, "10000", true,
       "Time in-flight requests get to finish on SIGTERM before the process exits.",
       v::intRange(0, 600000)},
      // log
      {"log.level", K::kString, "info", true,
       "trace, debug, info, warn (or warning), error, critical or off.", levels},
      {"log.file",
       K::kString,
       "",
       false,
       "Also log to this file, rotated at 10 MiB with 5 files kept; empty logs to stderr only.",
       {}},
      {"log.format", K::kString, "text", false, "text or json (one JSON object a line).",
       v::oneOf({"text", "json"})},
      {"log.access",
       K::kBool,
       "on",
       true,
       "One access-log line per request, written by a thread of its own (at most 8192 lines "
       "waiting, the oldest dropped past that).",
       {}},
      // system: host metrics sampler
      {"system.sample_interval_ms", K::kInt, "1000", true,
       "Milliseconds between two rounds of host metrics (CPU, memory, disks, network, "
       "processes).",
       v::intRange(100, 60000)},
      {"system.proc_root", K::kString, "/", false,
       "Directory under which /proc, /sys and /etc are read (e.g. a host mount in a container).",
       v::notEmpty()},
      {"system.connections_interval_ms", K::kInt, "5000", false,
       "Milliseconds between two reads of the TCP/UDP connection tables (costly on large hosts); "
       "0 reads them every round.",
       v::intRange(0, 600000)},
      // traffic protection: rate limits, circuit breakers, response cache
      {"ratelimit.enabled", K::kBool, "true", true, "Apply the rate limit rules at all.", {}},
      {"ratelimit.mode", K::kString, "enforce", true,
       "enforce answers 429 when a bucket is empty; shadow only counts what it would reject.",
       v::oneOf({"enforce", "shadow"})},
      {"ratelimit.rules", K::kList, "login, api", true,
       "Rate limit rules in match order; the first rule that matches a request applies.",
       v::ruleNames()},
      {"ratelimit.exempt", K::kList, "/health, /health/*, /api/health, /metrics", true,
       "Paths never rate limited (a trailing * matches a prefix).", v::pathList()},
      {"ratelimit.trusted_proxies", K::kList, "", true,
       "Proxies (CIDRs) whose X-Forwarded-For is believed; the client is the right-most "
       "untrusted address in it.",
       v::networkList()},
      {"ratelimit.max_keys", K::kInt, "100000", true,
       "Buckets kept per rule; past it the least recently used key is forgotten.",
       v::intRange(1, 100000000)},
      {"ratelimit.backend", K::kString, "local", false,
       "Where rate limit buckets live: local (in this process) or redis (shared by every daemon "
       "on redis.url, so a limit is exact across instances).",
       v::oneOf({"local", "redis"})},
      {"ratelimit.redis_failure", K::kString, "local", false,
       "With ratelimit.backend = redis, while Redis cannot be reached: local (decide with this "
       "process's buckets), open (admit) or closed (reject with 503).",
       v::oneOf({"local", "open", "closed"})},
      {"ratelimit.rule.login.paths", K::kList, "/api/auth/login", true,
       "Paths of the built-in login rule.", v::pathList()},
      {"ratelimit.rule.login.methods", K::kList, "POST", true,
       "Methods of the built-in login rule.", v::methodList()},
      {"ratelimit.rule.login.rate", K::kString, "5/m", true, "Rate of the built-in login rule.",
       v::rate()},
      {"ratelimit.rule.login.burst", K::kInt, "5", true, "Burst of the built-in login rule.",
       v::intRange(1, 1000000000)},
      {"ratelimit.rule.login.key", K::kString, "ip", true, "Key of the built-in login rule.",
       v::oneOf({"ip", "token", "global"})},
      {"ratelimit.rule.api.paths", K::kList, "/api/*", true, "Paths of the built-in api rule.",
       v::pathList()},
      {"ratelimit.rule.api.methods", K::kList, "", true, "Methods of the built-in api rule.",
       v::methodList()},
      {"ratelimit.rule.api.rate", K::kString, "600/m", true, "Rate of the built-in api rule.",
       v::rate()},
      {"ratelimit.rule.api.burst", K::kInt, "100", true, "Burst of the built-in api rule.",
       v::intRange(1, 1000000000)},
      {"ratelimit.rule.api.key", K::kString, "ip", true, "Key of the built-in api rule.",
       v::oneOf({"ip", "token", "global"})},
      {"ratelimit.rule.*.paths", K::kList, "", true,
       "Paths a rule applies to (comma list; a trailing * matches a prefix).", v::pathList()},
      {"ratelimit.rule.*.methods", K::kList, "", true,
       "Methods a rule applies to; empty means all.", v::methodList()},
      {"ratelimit.rule.*.rate", K::kString, "", true, "A rule's rate: N/s, N/m or N/h.", v::rate()},
      {"ratelimit.rule.*.burst", K::kInt, "", true,
       "Requests a rule admits back to back; defaults to the rate's N.",
       v::intRange(1, 1000000000)},
      {"ratelimit.rule.*.key", K::kString, "ip", true,
       "What a rule's buckets are keyed by: ip, token (the user) or global.",
       v::oneOf({"ip", "token", "global"})},
      {"breaker.db.failure_threshold", K::kInt, "5", true,
       "Consecutive database failures that open the breaker.", v::intRange(1, 1000000)},
      {"breaker.db.window_s", K::kInt, "10", true,
       "Seconds of the sliding window the failure ratio is measured over.", v::intRange(1, 3600)},
      {"breaker.db.min_requests", K::kInt, "20", true,
       "Calls the window must hold before the failure ratio can open the breaker.",
       v::intRange(1, 100000000)},
      {"breaker.db.failure_ratio", K::kDouble, "0.5", true,
       "Failure ratio over the window that opens the breaker.", v::doubleRange(0.01, 1.0)},
      {"breaker.db.open_ms", K::kInt, "5000", true,
       "Milliseconds the breaker stays open before one probe call is let through.",
       v::intRange(10, 3600000)},
      {"cache.rules", K::kList, "processes, network", true,
       "Response cache rules (named GET routes); the first rule whose paths match applies.",
       v::ruleNames()},
      {"cache.max_entries", K::kInt, "1000", true,
       "Cached responses kept; past it the least recently used is evicted.",
       v::intRange(1, 10000000)},
      {"cache.max_bytes", K::kInt, "67108864", true,
       "Bytes of cached responses kept; past it the least recently used are evicted.",
       v::intRange(1, 68719476736)},
      {"cache.rule.processes.paths", K::kList, "/api/system/processes, /api/system/processes/*",
       true, "Paths of the built-in processes rule.", v::pathList()},
      {"cache.rule.processes.ttl_ms", K::kInt, "1000", true,
       "Milliseconds a processes answer is served from the cache.", v::intRange(1, 86400000)},
      {"cache.rule.network.paths", K::kList, "/api/system/network, /api/system/network/*", true,
       "Paths of the built-in network rule.", v::pathList()},
      {"cache.rule.network.ttl_ms", K::kInt, "2000", true,
       "Milliseconds a network answer is served from the cache.", v::intRange(1, 86400000)},
      {"cache.rule.*.paths", K::kList, "", true,
       "GET paths a cache rule applies to (comma list; a trailing * matches a prefix).",
       v::pathList()},
      {"cache.rule.*.ttl_ms", K::kInt, "", true,
       "Milliseconds a rule's answers are served from the cache.", v::intRange(1, 86400000)},
      // store: database, session pool, fault injection, auth tokens, agents
      // shared state: Redis
      {"redis.url", K::kString, "", false,
       "The Redis server shared state lives on: redis://[user[:]@]host[:port][/db] or "
       "unix:/path/redis.sock[?db=N]; empty: none. No password here (redis.password_file).",
       v::redisUrl()},
      {"redis.password_file",
       K::kString,
       "",
       false,
       "File (mode 0600) whose first line is the Redis password (AUTH), read at start; empty: "
       "none.",
       {},
       true},
      {"redis.timeout_ms", K::kInt, "50", false,
       "Milliseconds a Redis connect or reply (and the wait for a free connection) may take "
       "before the connection is dropped (a dead Redis must not add seconds to requests).",
       v::intRange(1, 60000)},
      {"bus.backend", K::kString, "local", false,
       "How daemons tell each other of token revocations, cache invalidations and agent and "
       "project events: local (they do not; each knows its own) or redis (pub/sub on "
       "bus.channel of redis.url).",
       v::oneOf({"local", "redis"})},
      {"bus.channel", K::kString, "cc:bus", false,
       "The Redis pub/sub channel of bus.backend = redis; daemons that share it share state.",
       v::notEmpty()},
      {"bus.reconnect_max_ms", K::kInt, "2000", false,
       "Longest wait between two attempts to subscribe again after the bus lost Redis (the wait "
       "starts at 100 ms and doubles).",
       v::intRange(100, 600000)},
      {"db.backend", K::kString, "sqlite", false,
       "sqlite (one file under daemon.state_dir, for a single host) or postgresql (a server "
       "several daemons share; db.url names it).",
       v::oneOf({"sqlite", "postgresql"})},
      {"db.url", K::kString, "", false,
       "The PostgreSQL server when db.backend = postgresql: "
       "postgresql://user@host:port/database?sslmode=verify-full; a socket directory as the host "
       "percent-encoded (postgresql://user@%2Frun%2Fpostgresql/db) or as ?host=/dir. No password "
       "here (db.password_file).",
       v::postgresqlUrl()},
      {"db.password_file",
       K::kString,
       "",
       false,
       "File (mode 0600) whose first line is the PostgreSQL password, read at start; empty: none "
       "(peer or certificate authentication).",
       {},
       true},
      {"db.connect_timeout_s", K::kInt, "5", false,
       "Seconds a new PostgreSQL connection may take before it fails (libpq waits at least 2).",
       v::intRange(1, 3600)},
      {"db.path", K::kString, "${daemon.state_dir}/controlcenter.db", false,
       "SQLite database file; its directory is created if missing.", v::notEmpty()},
      {"db.synchronous", K::kString, "full", false,
       "full syncs every commit (durable on power loss); normal syncs at checkpoints (faster, "
       "may lose the last commits on power loss, never corrupts).",
       v::oneOf({"full", "normal"})},
      {"db.busy_timeout_ms", K::kInt, "5000", false,
       "How long a connection waits for a lock (and a writer for the writer slot).",
       v::intRange(0, 600000)},
      {"db.checkpoint_pages", K::kInt, "1000", false,
       "Write-ahead log length (pages) at which a background thread copies it back into the "
       "database file; at 4 times this the writer copies the last few pages itself, so that the "
       "log "
       "starts afresh; at 64 times this the writer checkpoints itself.",
       v::intRange(100, 1000000)},
      {"db.writer_nice", K::kInt, "-10", false,
       "Priority (nice value, -20 highest) of the SQLite writer thread, which runs every write "
       "transaction, and of its log's checkpointer: above the request threads', so that writes do "
       "not wait for a core behind "
       "them. Raising it needs CAP_SYS_NICE or RLIMIT_NICE (the packaged unit's LimitNICE=-10); "
       "refused, the writer runs at the default priority. 0: the default.",
       v::intRange(-20, 19)},
      {"db.writer_batch_ms", K::kInt, "2", false,
       "While a quick write (a heartbeat) waits, the milliseconds of other writes (creates, "
       "updates, deletes) one SQLite write transaction runs before its COMMIT; the rest go into "
       "the next. Quick writes run first in each transaction.",
       v::intRange(1, 60000)},
      {"db.writer_cache_mb", K::kInt, "8", false,
       "Page cache of the writer connection, so that a batch of writes is not spilled to the "
       "log before its COMMIT. Larger is slower: SQLite scans the whole cache at every COMMIT.",
       v::intRange(2, 4096)},
      {"db.mmap_mb", K::kInt, "0", false,
       "MiB of the SQLite database file each session (the pool's and the writer's) maps "
       "(PRAGMA mmap_size): a page already in the OS cache then costs no read call and no copy, "
       "but every session maps the file apart, and RSS counts a page once for each session that "
       "touched it. 0: read calls only. An I/O error on a mapped page stops the process "
       "(SIGBUS).",
       v::intRange(0, 1048576)},
      {"db.pool.min", K::kInt, "5", false, "Database sessions kept open when idle.",
       v::intRange(0, 1000)},
      {"db.pool.max", K::kInt, "50", false, "Most database sessions open at once.",
       v::intRange(1, 1000)},
      {"db.pool.acquire_timeout_ms", K::kInt, "5000", false,
       "Longest wait for a free session before 503 db_pool_exhausted.", v::intRange(0, 600000)},
      {"db.pool.idle_s", K::kInt, "300", false,
       "Idle sessions above db.pool.min are closed after this many seconds.",
       v::intRange(1, 86400)},
      {"db.pool.max_lifetime_s", K::kInt, "3600", false,
       "Sessions older than this are closed and replaced.", v::intRange(1, 604800)},
      {"db.pool.validate_on_borrow",
       K::kBool,
       "true",
       false,
       "Run SELECT 1 on every borrowed session and replace it when it fails.",
       {}},
      {"fault.db.delay_ms", K::kInt, "0", true,
       "Injected delay before every database operation (testing only).", v::intRange(0, 600000)},
      {"fault.db.error_rate", K::kDouble, "0", true,
       "Share of database operations failed on purpose, 0..1 (testing only).",
       v::doubleRange(0, 1)},
      {"auth.token_ttl_s", K::kInt, "43200", false, "Lifetime of an issued bearer token.",
       v::intRange(60, 31536000)},
      {"auth.token_cache_size", K::kInt, "10000", false,
       "Validated tokens kept in memory (least recently used evicted).", v::intRange(1, 10000000)},
      {"auth.token_cache_lifetime_ms", K::kInt, "1000", false,
       "A cached token is looked up in the store again once cached this long, so that a "
       "revocation by another daemon on the same database holds here within it; 0: never.",
       v::intRange(0, 86400000)},
      {"auth.token_purge_interval_s", K::kInt, "3600", false,
       "Seconds between deletions of expired token records from the store (the first at "
       "start); an expired token is refused either way, this keeps the table the size of the "
       "tokens in use.",
       v::intRange(1, 604800)},
      {"agents.active_window_s", K::kInt, "60", false,
       "An agent counts as active when its last heartbeat is at most this old.",
       v::intRange(1, 86400)},
      // overload: budgets past which new work is answered 503 overloaded at once
      {"overload.max_request_bytes", K::kInt, "33554432", true,
       "Bytes of request bodies all requests of a listener may hold in memory at once; a "
       "request whose body does not fit is answered 503 overloaded before it is read. Keep it "
       "at least http.max_body_bytes.",
       v::intRange(65536, int64_t{1} << 40)},
      {"overload.max_response_bytes", K::kInt, "33554432", true,
       "Bytes of answers all requests of a listener may hold in memory while they are sent; an "
       "answer that does not fit is replaced by 503 overloaded. Keep it well above the largest "
       "answer (a page of 500 agents with full metadata can reach 8 MiB).",
       v::intRange(65536, int64_t{1} << 40)},
      {"overload.allocator_arenas", K::kInt, "2", false,
       "Arenas the allocator may grow (glibc's M_ARENA_MAX; 0: its default of eight per core). "
       "Fewer arenas keep a burst of large requests from leaving memory behind in many of "
       "them. The environment's MALLOC_ARENA_MAX, when set, wins.",
       v::intRange(0, 1024)},
      {"overload.release_memory_after_bytes", K::kInt, "16777216", false,
       "Once this many bytes of request bodies and answers have passed through the memory "
       "budgets since the last time, free memory is given back to the system (malloc_trim), "
       "from a background thread about once a second at most; 0: never.",
       v::intRange(0, int64_t{1} << 40)},
      // metrics: the Prometheus exposition, on the admin listener always
      {"metrics.public",
       K::kBool,
       "false",
       false,
       "Also serve /metrics on the public listener, to scrapers that send the key of "
       "metrics.public_key_file as a bearer token.",
       {}},
      {"metrics.public_key_file",
       K::kString,
       "",
       false,
       "File (mode 0600) holding the key /metrics on the public listener wants, at least 32 "
       "characters; needed when metrics.public is on.",
       {}},
      // ws: WebSocket streams
      {"ws.metrics_public",
       K::kBool,
       "true",
       false,
       "Serve /api/system/metrics without authentication.",
       {}},
      {"ws.metrics_interval_ms", K::kInt, "1000", false,
       "Milliseconds between two checks for a new metrics sample to push to subscribers.",
       v::intRange(50, 60000)},
      {"ws.max_connections", K::kInt, "2000", false,
       "WebSocket connections open at once, all endpoints; past it an upgrade gets 503.",
       v::intRange(1, 1000000)},
      {"ws.max_connections_per_client", K::kInt, "20", false,
       "WebSocket connections one client address may hold; past it an upgrade gets 429.",
       v::intRange(1, 1000000)},
      {"ws.max_messages_per_s", K::kDouble, "20", false,
       "Messages a connection may send per second (token bucket, burst the same); past it the "
       "connection is closed with 1008.",
       v::doubleRange(0.1, 100000)},
      {"ws.max_message_bytes", K::kInt, "65536", false,
       "Largest client message in bytes, checked on the frame header; larger closes with 1009.",
       v::intRange(125, 16777216)},
      {"ws.max_send_queue", K::kInt, "256", false,
       "Frames queued for one connection; a consumer that falls further behind is closed (1008).",
       v::intRange(1, 1000000)},
      {"ws.ping_interval_s", K::kInt, "30", false, "Seconds between two pings to each client.",
       v::intRange(1, 3600)},
      {"ws.idle_timeout_s", K::kInt, "75", false,
       "Seconds without any frame (pong included) from a client before it is closed with 1001.",
       v::intRange(1, 86400)},
      {"ws.auth_timeout_ms", K::kInt, "5000", false,
       "Milliseconds a client without a token has to send its auth message; then 1008.",
       v::intRange(10, 600000)},
      // Kept so that an old file still loads; Services::create warns when it is set.
      {"ws.io_threads",
       K::kInt,
       "2",
       false,
       "Deprecated and ignored: the WebSockets are served on the http.event_loops threads.",
       {}},
  };
}

std::vector<std::string_view> segments(std::string_view name) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = name.find('.', start);
    out.push_back(name.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return out;
}

bool matches(std::string_view pattern, std::string_view name) {
  if (pattern.find('*') == std::string_view::npos) return pattern == name;
  auto p = segments(pattern);
  auto n = segments(name);
  if (p.size() != n.size()) return false;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == "*") {
      if (n[i].empty()) return false;
    } else if (p[i] != n[i]) {
      return false;
    }
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

}  // namespace

const std::vector<KeySpec>& keyTable() {
  static const std::vector<KeySpec> table = buildTable();
  return table;
}

const KeySpec* findKey(std::string_view name) {
  for (const auto& spec : keyTable()) {
    if (matches(spec.name, name)) return &spec;
  }
  return nullptr;
}

bool isSecretKey(std::string_view name) {
  const KeySpec* spec = findKey(name);
  if (spec != nullptr && spec->secret) return true;
  const auto dot = name.rfind('.');
  const std::string_view last = dot == std::string_view::npos ? name : name.substr(dot + 1);
  for (std::string_view word : {"password", "secret", "token", "api_key"}) {
    if (last == word) return true;
    const std::string suffix = "_" + std::string(word == "api_key" ? "key" : word);
    if (last.size() > suffix.size() &&
        last.compare(last.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return true;
    }
  }
  return false;
}

std::optional<std::string> suggestKey(std::string_view unknown) {
  std::vector<std::string_view> names;
  names.reserve(keyTable().size());
  for (const auto& spec : keyTable()) {
    if (spec.name.find('*') == std::string::npos) names.push_back(spec.name);
  }
  return common::closestSpelling(unknown, names);
}

std::optional<bool> parseBool(std::string_view text) {
  text = trim(text);
  for (auto t : {"true", "on", "yes", "1"})
    if (text == t) return true;
  for (auto f : {"false", "off", "no", "0"})
    if (text == f) return false;
  return std::nullopt;
}

std::optional<int64_t> parseInt(std::string_view text) {
  std::string s(trim(text));
  if (s.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (errno != 0 || end == nullptr || *end != '\0') return std::nullopt;
  return static_cast<int64_t>(v);
}

std::optional<double> parseDouble(std::string_view text) {
  std::string s(trim(text));
  if (s.empty()) return std::nullopt;
  errno = 0;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end == nullptr || *end != '\0' || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::vector<std::string> parseList(std::string_view text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t comma = text.find(',', start);
    auto item = trim(text.substr(start, comma == std::string_view::npos ? comma : comma - start));
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

std::optional<std::string> checkValue(const KeySpec& spec, const std::string& value) {
  switch (spec.type) {
    case KeyType::kInt:
      if (!parseInt(value)) return "expected an integer, got '" + value + "'";
      break;
    case KeyType::kBool:
      if (!parseBool(value)) return "expected true/false (or on/off, yes/no), got '" + value + "'";
      break;
    case KeyType::kDouble:
      if (!parseDouble(value)) return "expected a number, got '" + value + "'";
      break;
    case KeyType::kString:
    case KeyType::kList:
      break;
  }
  if (spec.validate) return spec.validate(value);
  return std::nullopt;
}

namespace validators {

Validator intRange(int64_t min, int64_t max) {
  return [min, max](const std::string& value) -> std::optional<std::string> {
    int64_t v = *parseInt(value);
    if (v < min || v > max) {
      return "must be between " + std::to_string(min) + " and " + std::to_string(max) + ", got " +
             std::to_string(v);
    }
    return std::nullopt;
  };
}

Validator doubleRange(double min, double max) {
  return [min, max](const std::string& value) -> std::optional<std::string> {
    double v = *parseDouble(value);
    if (v < min || v > max) {
      return "must be between " + std::to_string(min) + " and " + std::to_string(max);
    }
    return std::nullopt;
  };
}

Validator oneOf(std::vector<std::string> allowed) {
  return [allowed = std::move(allowed)](const std::string& value) -> std::optional<std::string> {
    std::string v(trim(value));
    if (std::find(allowed.begin(), allowed.end(), v) != allowed.end()) return std::nullopt;
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    return "must be one of " + list + ", got '" + v + "'";
  };
}

Validator ipAddress() {
  return [](const std::string& value) -> std::optional<std::string> {
    Poco::Net::IPAddress addr;
    if (!Poco::Net::IPAddress::tryParse(std::string(trim(value)), addr)) {
      return "expected an IP address, got '" + value + "'";
    }
    return std::nullopt;
  };
}

Validator originList() {
  return [](const std::string& value) -> std::optional<std::string> {
    auto items = parseList(value);
    for (const auto& item : items) {
      if (item == "*") {
        if (items.size() > 1) return std::string("* allows every origin; list it alone");
        continue;
      }
      // An origin as a browser sends it: scheme "://" host [":" port], no path, no user.
      const std::size_t sep = item.find("://");
      const std::string scheme = sep == std::string::npos ? "" : item.substr(0, sep);
      std::string rest = sep == std::string::npos ? "" : item.substr(sep + 3);
      bool ok =
          !scheme.empty() && std::isalpha(static_cast<unsigned char>(scheme[0])) &&
          std::all_of(scheme.begin(), scheme.end(), [](char c) {
            return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
          });
      std::string host = rest;
      std::string port;
      const std::size_t colon = rest.rfind(':');
      if (colon != std::string::npos && rest.find(']', colon) == std::string::npos) {
        host = rest.substr(0, colon);
        port = rest.substr(colon + 1);
        ok = ok && !port.empty() && port.size() <= 5 &&
             std::all_of(port.begin(), port.end(),
                         [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }) &&
             std::stoi(port) >= 1 && std::stoi(port) <= 65535;
      }
      const bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
      ok = ok && !host.empty() && std::all_of(host.begin(), host.end(), [bracketed](char c) {
             return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' ||
                    (bracketed && (c == ':' || c == '[' || c == ']'));
           });
      if (!ok) {
        return "expected origins as scheme://host[:port] (no path, no trailing /) or *, got '" +
               item + "'";
      }
    }
    return std::nullopt;
  };
}

Validator notEmpty() {
  return [](const std::string& value) -> std::optional<std::string> {
    if (trim(value).empty()) return std::string("must not be empty");
    return std::nullopt;
  };
}

Validator unixSocketPath() {
  return [](const std::string& value) -> std::optional<std::string> {
    if (trim(value).empty() || common::unixSocketsSupported()) return std::nullopt;
    return std::string(
        "Unix-domain sockets are not supported on Windows; leave it empty and use "
        "the TCP listener (admin.address, admin.port)");
  };
}

Validator rate() {
  return [](const std::string& value) -> std::optional<std::string> {
    auto parsed = middleware::Rate::parse(value);
    if (!parsed) return parsed.error().message;
    return std::nullopt;
  };
}

Validator pathList() {
  return [](const std::string& value) -> std::optional<std::string> {
    for (const auto& p : parseList(value)) {
      if (p.front() != '/') return "path '" + p + "' must start with '/'";
      std::size_t star = p.find('*');
      if (star != std::string::npos && star != p.size() - 1) {
        return "'*' may only end a path, got '" + p + "'";
      }
    }
    return std::nullopt;
  };
}

Validator methodList() {
  return [](const std::string& value) -> std::optional<std::string> {
    for (const auto& m : parseList(value)) {
      if (!std::all_of(m.begin(), m.end(), [](unsigned char c) { return std::isalpha(c); })) {
        return "'" + m + "' is not an HTTP method";
      }
    }
    return std::nullopt;
  };
}

Validator networkList() {
  return [](const std::string& value) -> std::optional<std::string> {
    for (const auto& item : parseList(value)) {
      auto net = middleware::IpNetwork::parse(item);
      if (!net) return net.error().message;
    }
    return std::nullopt;
  };
}

Validator postgresqlUrl() {
  return [](const std::string& value) -> std::optional<std::string> {
    if (trim(value).empty()) return std::nullopt;  // needed only with db.backend = postgresql
    auto parsed = store::postgresql::parseConnectionUrl(value);
    if (!parsed) return parsed.error().message;
    return std::nullopt;
  };
}

Validator redisUrl() {
  return [](const std::string& value) -> std::optional<std::string> {
    if (trim(value).empty()) return std::nullopt;  // needed only with a redis backend
    auto parsed = shared_state::parseRedisUrl(value);
    if (!parsed) return parsed.error().message;
    return std::nullopt;
  };
}

Validator ruleNames() {
  return [](const std::string& value) -> std::optional<std::string> {
    std::vector<std::string> seen;
    for (const auto& name : parseList(value)) {
      bool valid = std::all_of(name.begin(), name.end(), [](unsigned char c) {
        return std::isalnum(c) || c == '_' || c == '-';
      });
      if (!valid) return "'" + name + "' is not a valid rule name";
      if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
        return "rule '" + name + "' is listed twice";
      }
      seen.push_back(name);
    }
    return std::nullopt;
  };
}

}  // namespace validators
}  // namespace cc::config
