#pragma once
// Settings of the store, taken once from a config snapshot.

#include <chrono>
#include <cstdint>
#include <string>

#include "config/config.h"
#include "store/postgresql/connection_settings.h"
#include "store/session_pool.h"

namespace cc::store {

/// Where the data lives: db.backend.
enum class StoreBackend { kSqlite, kPostgresql };

/// Why db.backend = postgresql is refused (by the settings and by Store::open) in a build
/// without Poco's PostgreSQL connector (the MinGW build).
inline constexpr const char* kPostgresqlNotYetAvailable =
    "postgresql is not available in this build (it has no PostgreSQL connector: see "
    "docs/windows.md); use db.backend = sqlite";

/// Why a backup is refused on PostgreSQL (Store::backup, ctl backup).
inline constexpr const char* kBackupOnPostgresql =
    "backup copies the SQLite database file; with db.backend = postgresql back up the server "
    "with pg_dump (and restore with pg_restore): see docs/operations.md";

/// The `db.*`, `auth.*` and `agents.*` settings the store needs. A plain value.
struct StoreOptions {
  StoreBackend backend = StoreBackend::kSqlite;  // db.backend
  /// db.url, db.password_file, db.connect_timeout_s: set by app::DaemonSettings (which reads
  /// the password file and reports its problems) when the backend is PostgreSQL.
  postgresql::ConnectionSettings postgresql;
  std::string path;                              // db.path
  bool synchronous_full = true;                  // db.synchronous = full (true) or normal
  std::chrono::milliseconds busy_timeout{5000};  // db.busy_timeout_ms
  int64_t checkpoint_pages = 1000;               // db.checkpoint_pages
  int64_t writer_cache_mb = 8;                   // db.writer_cache_mb
  int64_t mmap_mb = 0;                           // db.mmap_mb
  int writer_nice = -10;                         // db.writer_nice
  std::chrono::milliseconds writer_batch{2};     // db.writer_batch_ms
  PoolOptions pool;                              // db.pool.*
  int64_t fault_delay_ms = 0;                    // fault.db.delay_ms
  double fault_error_rate = 0;                   // fault.db.error_rate
  int64_t token_ttl_s = 43200;                   // auth.token_ttl_s
  int64_t token_cache_size = 10000;              // auth.token_cache_size
  int64_t token_cache_lifetime_ms = 1000;        // auth.token_cache_lifetime_ms
  int64_t agents_active_window_s = 60;           // agents.active_window_s

  /// Every setting but `postgresql`, which needs the password file read (and may fail).
  static StoreOptions fromConfig(const config::Config& config);
};

}  // namespace cc::store
