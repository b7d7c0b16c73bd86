#include "store/store.h"

#ifdef CC_WITH_POSTGRESQL
#include "store/postgresql/database.h"
#include "store/postgresql/deferred_indexes.h"
#include "store/postgresql/migrations.h"
#include "store/postgresql/pg_session.h"
#endif
#include "store/sql_agent_repository.h"
#include "store/sql_project_repository.h"
#include "store/sql_token_repository.h"
#include "store/sql_user_repository.h"
#include "store/sqlite/database.h"
#include "store/sqlite/deferred_indexes.h"
#include "store/sqlite/migrations.h"
#include "store/sqlite/sql.h"

namespace cc::store {

using sqlite::Database;

common::Result<std::unique_ptr<Store>> Store::open(const config::Config& config,
                                                   const common::Clock& clock) {
  return open(StoreOptions::fromConfig(config), clock);
}

common::Result<std::unique_ptr<Store>> Store::open(const StoreOptions& options,
                                                   const common::Clock& clock) {
  if (options.backend == StoreBackend::kPostgresql) return openPostgresql(options, clock);
  return openSqlite(options, clock);
}

common::Result<std::unique_ptr<Store>> Store::openPostgresql(const StoreOptions& options,
                                                             const common::Clock& clock) {
#ifdef CC_WITH_POSTGRESQL
  const std::string where = options.postgresql.url.display();
  auto db = postgresql::Database::open(options, clock);
  if (!db.ok()) {
    common::Error e = db.error();
    e.message = where + ": " + e.message;
    return e;
  }
  std::unique_ptr<Store> store(new Store());
  store->pg_ = std::move(*db);
  {
    auto lease = store->pg_->pool().acquire(kNoDeadline);
    if (!lease.ok()) return lease.error();
    auto version = postgresql::migrateUnderLock(lease->session(), clock);
    if (!version.ok()) {
      lease->markBroken();  // it may still hold the lock or a failed transaction
      common::Error e = version.error();
      e.message = where + ": " + e.message;
      return e;
    }
    store->schema_version_ = *version;
  }
  // A bulk load that the last run (of any instance) did not finish: its indexes first.
  auto built =
      store->pg_->write(kNoDeadline, [](Poco::Data::Session& s) -> common::Result<int64_t> {
        return postgresql::DeferredIndexes::build(s, "");
      });
  if (!built.ok()) {
    common::Error e = built.error();
    e.message = where + ": building the indexes of an unfinished bulk load: " + e.message;
    return e;
  }
  store->indexes_built_at_open_ = *built;
  store->agents_ = std::make_unique<SqlAgentRepository>(*store->pg_);
  store->projects_ = std::make_unique<SqlProjectRepository>(*store->pg_);
  store->users_ = std::make_unique<SqlUserRepository>(*store->pg_);
  store->tokens_ = std::make_unique<SqlTokenRepository>(*store->pg_);
  return store;
#else
  (void)clock;
  // Never SQLite in its place: data written there would be missing from the shared server.
  (void)options;
  return common::Error::unavailable(common::ErrorCode::kDependencyUnavailable,
                                    std::string("db.backend: ") + kPostgresqlNotYetAvailable);
#endif
}

common::Result<std::unique_ptr<Store>> Store::openSqlite(const StoreOptions& options,
                                                         const common::Clock& clock) {
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
  store->agents_ = std::make_unique<SqlAgentRepository>(*store->db_);
  store->projects_ = std::make_unique<SqlProjectRepository>(*store->db_);
  store->users_ = std::make_unique<SqlUserRepository>(*store->db_);
  store->tokens_ = std::make_unique<SqlTokenRepository>(*store->db_);
  return store;
}

Store::~Store() = default;

#ifdef CC_WITH_POSTGRESQL
PoolStats Store::poolStats() const { return pg_ ? pg_->pool().stats() : db_->pool().stats(); }
FaultInjector& Store::faults() { return pg_ ? pg_->faults() : db_->faults(); }
common::Status Store::ping(common::SteadyTime deadline) {
  return pg_ ? pg_->ping(deadline) : db_->ping(deadline);
}
common::Status Store::probeWrite(common::SteadyTime deadline) {
  return pg_ ? pg_->probeWrite(deadline) : db_->probeWrite(deadline);
}
common::Status Store::probeServer(common::SteadyTime deadline) {
  if (!pg_) return common::Ok{};
  return pg_->probeServer(deadline);
}
const StoreOptions& Store::options() const { return pg_ ? pg_->options() : db_->options(); }
#else
PoolStats Store::poolStats() const { return db_->pool().stats(); }
FaultInjector& Store::faults() { return db_->faults(); }
common::Status Store::ping(common::SteadyTime deadline) { return db_->ping(deadline); }
common::Status Store::probeWrite(common::SteadyTime deadline) { return db_->probeWrite(deadline); }
common::Status Store::probeServer(common::SteadyTime) { return common::Ok{}; }
const StoreOptions& Store::options() const { return db_->options(); }
#endif
StorageState Store::storage() const { return db_ ? db_->storage() : StorageState{}; }
CommitStats Store::commitStats() const { return db_ ? db_->commits() : CommitStats{}; }
CheckpointStats Store::checkpointStats() const {
  return db_ ? db_->checkpoints() : CheckpointStats{};
}
common::Status Store::backup(const std::string& path, common::SteadyTime deadline) {
  if (!db_) return common::Error::badRequest(kBackupOnPostgresql);
  return db_->backup(path, deadline);
}

}  // namespace cc::store
