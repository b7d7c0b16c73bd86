#pragma once
// The PostgreSQL database behind the repositories: session pool, transactions with a bounded
// retry, the request's deadline as statement_timeout, fault injection and the translation of
// every failure into an Error.

#include <Poco/Data/Session.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>

#include "common/clock.h"
#include "common/result.h"
#include "store/fault_injector.h"
#include "store/postgresql/pg_server_probe.h"
#include "store/session_pool.h"
#include "store/sql_database.h"
#include "store/store_options.h"

namespace cc::store::postgresql {

/// Runs units of work in transactions on pooled sessions (borrowed only after they answer a
/// real SELECT 1; each keeps its prepared statements, sql::withStatementCache). Reads run in a
/// REPEATABLE READ READ ONLY transaction (one consistent snapshot for a page and its count);
/// writes in READ COMMITTED, where the unique indexes decide races between instances (23505
/// becomes kConflict). A transaction that fails with a serialization failure or a deadlock
/// (40001, 40P01) runs again, up to kAttempts in all, while the deadline allows. Every
/// transaction sets statement_timeout (SET LOCAL) to what is left of its deadline, so a slow
/// server gives kTimeout rather than a request that outlives its caller. Commits are synchronous
/// (openSession): a success means the server has the write on disk. Exceptions never leave; a
/// failure that means the connection is gone closes it and every idle session, so the store
/// recovers by itself once the server is back. Thread-safe.
class Database final : public SqlDatabase {
 public:
  static constexpr int kAttempts = 3;

  /// Opens the pool (prefilled to db.pool.min), so that a wrong URL or password fails at
  /// start-up. Does not migrate.
  static common::Result<std::unique_ptr<Database>> open(const StoreOptions& options,
                                                        const common::Clock& clock);

  // read() and write() (SqlDatabase): a read is READ ONLY; a write's `fn` may run more than once
  // (a retried transaction), each time from the start.

  // The PostgreSQL side of SqlDatabase (pg_dialect.cpp).
  std::size_t query(Poco::Data::Session& session, const std::string& sql,
                    const store::sql::Params& params, const RowHandler& row) override;
  NameSearch nameSearch(const std::string& table, const std::string& text) const override;
  const char* nullSafeEquals() const override;
  const char* lockClause(RowLock lock) const override;
  store::sql::Value boolValue(bool value) const override;
  bool beginBulkLoad(Poco::Data::Session& session, const std::string& table) override;
  bool bulkLoadPending(Poco::Data::Session& session, const std::string& table) override;
  int64_t endBulkLoad(Poco::Data::Session& session, const std::string& table) override;
  std::vector<RefusedImport> importRows(Poco::Data::Session& session, const ImportRows& rows,
                                        bool dry_run) override;

  /// Borrows a session and runs SELECT 1 in a transaction, as any operation (injected faults
  /// included).
  common::Status ping(common::SteadyTime deadline);
  /// Whether the server answers SELECT 1 by `deadline`, on the one connection of a ServerProbe
  /// (not a pooled session, and without injected faults): for readiness. Calls are serialised.
  common::Status probeServer(common::SteadyTime deadline);
  /// Commits one small write (the single row of `store_probe`): for the breaker's half-open probe.
  common::Status probeWrite(common::SteadyTime deadline);

  SessionPool& pool() { return *pool_; }
  FaultInjector& faults() { return faults_; }
  const common::Clock& clock() const override { return clock_; }
  const StoreOptions& options() const { return options_; }
  /// Transactions run again after a serialization failure or deadlock, since start.
  uint64_t retriesTotal() const;

 private:
  Database(StoreOptions options, const common::Clock& clock);
  common::Status execute(common::SteadyTime deadline, Access access, const Work& work) override;

  const StoreOptions options_;
  const common::Clock& clock_;
  FaultInjector faults_;
  std::unique_ptr<SessionPool> pool_;
  std::atomic<uint64_t> retries_{0};
  std::mutex probe_mu_;
  ServerProbe probe_;
};

/// The Error for the exception being handled (call only inside a catch block), by the SQLSTATE
/// in its text (classifyFailure).
common::Error currentStoreError();

}  // namespace cc::store::postgresql
