#pragma once
// The store facade: opens and migrates the database and hands out the repositories.

#include <memory>
#include <string>

#include "common/clock.h"
#include "common/result.h"
#include "config/config.h"
#include "store/agent_repository.h"
#include "store/deadline.h"
#include "store/fault_injector.h"
#include "store/project_repository.h"
#include "store/session_pool.h"
#include "store/sqlite/database.h"
#include "store/store_options.h"
#include "store/token_repository.h"
#include "store/user_repository.h"

namespace cc::store {

namespace postgresql {
class Database;
}

// The operator views of the SQLite store, under the names the callers have always used.
using sqlite::CheckpointStats;
using sqlite::CommitStats;
using sqlite::StorageState;

/// Everything persistent: agents, projects, users and tokens, behind backend-neutral
/// repository interfaces, on SQLite or PostgreSQL as StoreOptions::backend says. open() runs
/// the migrations and refuses a database newer than this binary. The views of SQLite's own
/// machinery (storage, commitStats, checkpointStats) are zero on PostgreSQL, and backup() is
/// refused there (pg_dump is the tool). The repositories, ping() and backup() are thread-safe; the
/// Store must outlive every reference handed out. The Clock must outlive the Store.
class Store {
 public:
  static common::Result<std::unique_ptr<Store>> open(const config::Config& config,
                                                     const common::Clock& clock);
  static common::Result<std::unique_ptr<Store>> open(const StoreOptions& options,
                                                     const common::Clock& clock);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  AgentRepository& agents() { return *agents_; }
  ProjectRepository& projects() { return *projects_; }
  UserRepository& users() { return *users_; }
  TokenRepository& tokens() { return *tokens_; }

  /// A consistent snapshot of the session pool.
  PoolStats poolStats() const;
  /// Reloadable fault settings (fault.db.*) and their counters.
  FaultInjector& faults();
  /// Borrows a session and runs SELECT 1 within the deadline, as any operation (injected faults
  /// included).
  common::Status ping(common::SteadyTime deadline = kNoDeadline);
  /// Whether the database server answers by `deadline`: on PostgreSQL one SELECT 1 on a
  /// connection of the probe's own, never a pooled session (a busy pool is no failure) and
  /// without injected faults (they rehearse failing requests); for the readiness probe. Ok on
  /// SQLite, whose file has no server to lose. Thread-safe; calls are serialised.
  common::Status probeServer(common::SteadyTime deadline);
  /// Whether the store is a server of its own (PostgreSQL), so that readiness probes it.
  bool hasServer() const { return pg_ != nullptr; }
  /// Commits one small write within the deadline: for the breaker's half-open probe.
  common::Status probeWrite(common::SteadyTime deadline = kNoDeadline);
  /// Whether writes find the disk full (and since when), with counts.
  StorageState storage() const;
  /// How many writes shared each COMMIT (group commit), and the writer connection's history.
  CommitStats commitStats() const;
  /// The background checkpoints of the write-ahead log and its length.
  CheckpointStats checkpointStats() const;
  /// A consistent copy of the database at `path`, by SQLite's online backup API; on PostgreSQL
  /// kBadRequest naming pg_dump.
  common::Status backup(const std::string& path, common::SteadyTime deadline = kNoDeadline);
  /// The schema version open() left the database at.
  int schemaVersion() const { return schema_version_; }
  /// Indexes open() built because a bulk load had deferred them and the last run stopped
  /// before it ended (0 almost always); for the start-up log.
  int64_t indexesBuiltAtOpen() const { return indexes_built_at_open_; }
  const StoreOptions& options() const;

 private:
  Store() = default;
  static common::Result<std::unique_ptr<Store>> openSqlite(const StoreOptions& options,
                                                           const common::Clock& clock);
  static common::Result<std::unique_ptr<Store>> openPostgresql(const StoreOptions& options,
                                                               const common::Clock& clock);

  // Exactly one of the two.
  std::unique_ptr<sqlite::Database> db_;
  // shared_ptr, whose deleter is bound where it is made (openPostgresql): a build without the
  // PostgreSQL connector (Windows) has no postgresql::Database to destroy, nor its definition.
  std::shared_ptr<postgresql::Database> pg_;
  std::unique_ptr<AgentRepository> agents_;
  std::unique_ptr<ProjectRepository> projects_;
  std::unique_ptr<UserRepository> users_;
  std::unique_ptr<TokenRepository> tokens_;
  int schema_version_ = 0;
  int64_t indexes_built_at_open_ = 0;
};

}  // namespace cc::store
