#pragma once
// The SQLite database behind the repositories: session pool, group commit, fault injection and
// the translation of every failure into an Error.

#include <Poco/Data/Session.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>

#include "common/clock.h"
#include "common/result.h"
#include "store/count_memo.h"
#include "store/fault_injector.h"
#include "store/session_pool.h"
#include "store/sql_database.h"
#include "store/sqlite/group_commit.h"
#include "store/sqlite/wal_checkpointer.h"
#include "store/store_options.h"

struct sqlite3;

namespace cc::store::sqlite {

/// How the store treats a failed SQLite call, by its (primary or extended) result code.
struct SqliteFailure {
  /// kInsufficientStorage for a full disk (SQLITE_FULL), else kDependencyUnavailable.
  common::ErrorCode code = common::ErrorCode::kDependencyUnavailable;
  /// The connection may stay unusable after the cause is gone (it was opened read-only, its
  /// file was replaced, its I/O failed): close it, and the idle ones with it, rather than reuse.
  bool reopen = false;
};
SqliteFailure classifySqliteError(int result_code);

/// What writes met on the disk: whether the last one to reach the disk found it full.
struct StorageState {
  bool full = false;          ///< the latest write that reached the disk failed with SQLITE_FULL
  int64_t full_since_ms = 0;  ///< wall-clock time of the first such failure in the current run
  uint64_t full_errors_total = 0;  ///< writes refused with SQLITE_FULL since start
  uint64_t reopens_total = 0;      ///< failures that closed the idle sessions (see SqliteFailure)
};

/// Runs units of work in transactions. Every connection is opened with WAL, the configured
/// `synchronous`, busy timeout and foreign keys on. Reads run on pooled sessions; writes go to a
/// GroupCommitter with a writer connection of its own, so a write never waits for a session that
/// readers hold, concurrent writers share one COMMIT (one fsync) instead of queueing one each,
/// and they wait their turn there (bounded by the busy timeout and the deadline) instead of
/// meeting "database is locked"; a write returns success only after the COMMIT that contains it.
/// Exceptions never leave: SQLITE_FULL becomes kInsufficientStorage, everything else
/// kDependencyUnavailable, both with retry_after_s >= 1. A failure that can leave a connection
/// unusable (classifySqliteError().reopen) closes it and every idle session, so the store
/// recovers by itself once the file is writable again. Thread-safe.
class Database final : public SqlDatabase {
 public:
  /// Opens the pool (prefilled to db.pool.min). Does not migrate.
  static common::Result<std::unique_ptr<Database>> open(const StoreOptions& options,
                                                        const common::Clock& clock);

  // read() and write() (SqlDatabase): a write may share its transaction with concurrent writes
  // (group commit); an error result rolls back what its `fn` did, and only that.

  // The SQLite side of SqlDatabase (sqlite_dialect.cpp).
  std::size_t query(Poco::Data::Session& session, const std::string& sql,
                    const store::sql::Params& params, const RowHandler& row) override;
  NameSearch nameSearch(const std::string& table, const std::string& text) const override;
  /// Kept in search_counts_ for the FTS5 index's structure record as this transaction sees it.
  int64_t searchCount(Poco::Data::Session& session, const NameSearch& search, int64_t cap) override;
  const char* nullSafeEquals() const override;
  const char* lockClause(RowLock lock) const override;
  store::sql::Value boolValue(bool value) const override;
  bool beginBulkLoad(Poco::Data::Session& session, const std::string& table) override;
  bool bulkLoadPending(Poco::Data::Session& session, const std::string& table) override;
  int64_t endBulkLoad(Poco::Data::Session& session, const std::string& table) override;
  std::vector<RefusedImport> importRows(Poco::Data::Session& session, const ImportRows& rows,
                                        bool dry_run) override;

  /// Borrows a session and checks it answers; for readiness probes.
  common::Status ping(common::SteadyTime deadline);
  /// Commits one small write (the single row of `store_probe`), so that a read-only, unwritable
  /// or failing file is noticed even while reads still work; for the breaker's half-open probe.
  common::Status probeWrite(common::SteadyTime deadline);
  /// Whether writes currently find the disk full, and the counts behind it.
  StorageState storage() const;
  /// How many writes shared each COMMIT, and the writer connection's history.
  CommitStats commits() const { return committer_->stats(); }
  /// The background checkpoints of the write-ahead log.
  CheckpointStats checkpoints() const { return checkpointer_->stats(); }
  /// Copies the database to `path` with SQLite's online backup (via `path`.tmp and a rename).
  common::Status backup(const std::string& path, common::SteadyTime deadline);

  SessionPool& pool() { return *pool_; }
  FaultInjector& faults() { return faults_; }
  const common::Clock& clock() const override { return clock_; }
  const StoreOptions& options() const { return options_; }

 private:
  Database(StoreOptions options, const common::Clock& clock);
  common::Status execute(common::SteadyTime deadline, Access access, const Work& work) override;
  // Call inside a catch block: the failure for the exception that connection `handle` raised;
  // one that spoils connections also closes the idle pooled sessions.
  ConnectionFailure fail(sqlite3* handle);
  void noteWrite(const common::Status& status);

  const StoreOptions options_;
  const common::Clock& clock_;
  FaultInjector faults_;
  std::unique_ptr<SessionPool> pool_;
  // Before the committer: the writer connection it closes at destruction feeds the checkpointer.
  std::unique_ptr<WalCheckpointer> checkpointer_;
  std::unique_ptr<GroupCommitter> committer_;

  CountMemo search_counts_;

  mutable std::mutex storage_mu_;
  StorageState storage_;
};

/// The Error for the exception being handled (call only inside a catch block). `handle`, when
/// given, is the connection that threw: its result code refines what the exception type says.
common::Error currentStoreError(sqlite3* handle = nullptr);

}  // namespace cc::store::sqlite
