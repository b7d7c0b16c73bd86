#include "store/store.h"

#include "store/sqlite/database.h"
#include "store/sqlite/deferred_indexes.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sql.h"
#include "store/sqlite/sqlite_agent_repository.h"
#include "store/sqlite/sqlite_project_repository.h"
#include "store/sqlite/sqlite_token_repository.h"
#include "store/sqlite/sqlite_user_repository.h"

namespace cc::store {

using sqlite::Database;

common::Result<std::unique_ptr<Store>> Store::open(const config::Config& config,
                                                   const common::Clock& clock) {
  return open(StoreOptions::fromConfig(config), clock);
}

common::Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options,
                                                   const common::Clock& clock) {
  // Never SQLite in its place: data written there would be missing from the shared server.
  if (options.backend == StoreBackend::kPostgresql) {
    return common::Error::unavailable(common::ErrorCode::kDependencyUnavailable,
                                      std::string("db.backend: ") + kPostgresqlNotYetAvailable);
  }
  auto db = Database::open(options, clock);
  if (!db.ok()) return db.error();
  std::unique_ptr<Store> store(new Store());
  store->db_ = std::move(*db);
  {
    auto lease = store->db_->pool().acquire(kNoDeadline);
    if (!lease.ok()) return lease.error();
    auto version = sqlite::migrate(lease->session(), clock);
    if (!version.ok()) {
      common::Error e = version.error();
      e.message = options.path + ": " + e.message;
      return e;
    }
    store->schema_version_ = *version;
    // A bulk load that the last run did not finish: its indexes are built before anything
    // reads, so that every plan is the one the schema promises.
    try {
      sqlite::sql::control(lease->session(), "BEGIN IMMEDIATE");
      try {
        store->indexes_built_at_open_ = sqlite::DeferredIndexes::build(lease->session(), "");
        sqlite::sql::control(lease->session(), "COMMIT");
      } catch (...) {
        sqlite::sql::control(lease->session(), "ROLLBACK");
        throw;
      }
    } catch (...) {
      common::Error e = sqlite::currentStoreError();
      e.message = options.path + ": building the indexes of an unfinished bulk load: " + e.message;
      return e;
    }
  }
  store->agents_ = std::make_unique<sqlite::SqliteAgentRepository>(*store->db_);
  store->projects_ = std::make_unique<sqlite::SqliteProjectRepository>(*store->db_);
  store->users_ = std::make_unique<sqlite::SqliteUserRepository>(*store->db_);
  store->tokens_ = std::make_unique<sqlite::SqliteTokenRepository>(*store->db_);
  return store;
}

Store::~Store() = default;

PoolStats Store::poolStats() const { return db_->pool().stats(); }
FaultInjector& Store::faults() { return db_->faults(); }
common::Status Store::ping(common::SteadyTime deadline) { return db_->ping(deadline); }
common::Status Store::probeWrite(common::SteadyTime deadline) { return db_->probeWrite(deadline); }
StorageState Store::storage() const { return db_->storage(); }
CommitStats Store::commitStats() const { return db_->commits(); }
CheckpointStats Store::checkpointStats() const { return db_->checkpoints(); }
common::Status Store::backup(const std::string& path, common::SteadyTime deadline) {
  return db_->backup(path, deadline);
}
const StoreOptions& Store::options() const { return db_->options(); }

}  // namespace cc::store
