#include "store/store_options.h"

namespace cc::store {

StoreOptions StoreOptions::fromConfig(const config::Config& config) {
  StoreOptions o;
  o.backend = config.getString("db.backend") == "postgresql" ? StoreBackend::kPostgresql
                                                             : StoreBackend::kSqlite;
  o.path = config.getString("db.path");
  o.synchronous_full = config.getString("db.synchronous") == "full";
  o.busy_timeout = std::chrono::milliseconds(config.getInt("db.busy_timeout_ms"));
  o.checkpoint_pages = config.getInt("db.checkpoint_pages");
  o.writer_cache_mb = config.getInt("db.writer_cache_mb");
  o.mmap_mb = config.getInt("db.mmap_mb");
  o.writer_nice = static_cast<int>(config.getInt("db.writer_nice"));
  o.writer_batch = std::chrono::milliseconds(config.getInt("db.writer_batch_ms"));
  o.pool.min = config.getInt32("db.pool.min");
  o.pool.max = config.getInt32("db.pool.max");
  o.pool.acquire_timeout = std::chrono::milliseconds(config.getInt("db.pool.acquire_timeout_ms"));
  o.pool.idle = std::chrono::seconds(config.getInt("db.pool.idle_s"));
  o.pool.max_lifetime = std::chrono::seconds(config.getInt("db.pool.max_lifetime_s"));
  o.pool.validate_on_borrow = config.getBool("db.pool.validate_on_borrow");
  o.fault_delay_ms = config.getInt("fault.db.delay_ms");
  o.fault_error_rate = config.getDouble("fault.db.error_rate");
  o.token_ttl_s = config.getInt("auth.token_ttl_s");
  o.token_cache_size = config.getInt("auth.token_cache_size");
  o.token_cache_lifetime_ms = config.getInt("auth.token_cache_lifetime_ms");
  o.agents_active_window_s = config.getInt("agents.active_window_s");
  return o;
}

}  // namespace cc::store
