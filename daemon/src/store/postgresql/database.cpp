#include "store/postgresql/database.h"

#include <Poco/Exception.h>

#include "store/deadline.h"
#include "store/postgresql/failure.h"
#include "store/postgresql/pg_session.h"
#include "store/postgresql/pg_sql.h"

namespace cc::store::postgresql {

using common::Error;
using common::ErrorCode;

namespace {

// The text of the exception being handled.
std::string currentFailureText() {
  try {
    throw;
  } catch (const Poco::Exception& e) {
    return e.displayText();
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown database error";
  }
}

Error errorFor(const Failure& f, const std::string& text) {
  switch (f.code) {
    case ErrorCode::kConflict:
      // Another writer (here or on another instance) took the name first: the unique index
      // decided, as the check before the write would have.
      return Error::conflict("the name is already taken (" + text + ")");
    case ErrorCode::kTimeout:
      return Error{ErrorCode::kTimeout,
                   "request deadline exceeded in the database (statement_timeout)",
                   {},
                   0};
    case ErrorCode::kInsufficientStorage:
      return Error::unavailable(ErrorCode::kInsufficientStorage,
                                "database server is out of disk space: " + text, 1);
    default:
      return Error::dependencyUnavailable("database error: " + text);
  }
}

void rollback(SessionLease& lease) {
  try {
    execSimple(lease.session(), "ROLLBACK");
  } catch (...) {
    // Unknown transaction state: never hand this connection out again.
    lease.markBroken();
  }
}

}  // namespace

Error currentStoreError() {
  const std::string text = currentFailureText();
  return errorFor(classifyFailure(text), text);
}

Database::Database(StoreOptions options, const common::Clock& clock)
    : options_(std::move(options)), clock_(clock), faults_(clock), probe_(options_.postgresql) {
  faults_.set({options_.fault_delay_ms, options_.fault_error_rate});
  pool_ = std::make_unique<SessionPool>(
      options_.pool,
      [settings = options_.postgresql] { return sql::withStatementCache(openSession(settings)); },
      clock_, answersSelectOne);
}

common::Result<std::unique_ptr<Database>> Database::open(const StoreOptions& options,
                                                         const common::Clock& clock) {
  std::unique_ptr<Database> db(new Database(options, clock));
  if (auto st = db->pool_->prefill(); !st.ok()) return st.error();
  return db;
}

uint64_t Database::retriesTotal() const { return retries_.load(); }

common::Status Database::execute(common::SteadyTime deadline, Access access, const Work& work) {
  const bool write = access != Access::kRead;
  for (int attempt = 1;; ++attempt) {
    auto lease = pool_->acquire(deadline);
    if (!lease.ok()) return lease.error();
    // The injected delay holds the session, as a slow database would.
    if (auto st = faults_.apply(deadline); !st.ok()) return st;

    Poco::Data::Session& session = lease->session();
    // SET LOCAL: the limit ends with the transaction, so no later lease inherits it.
    const std::string begin =
        std::string(write ? "BEGIN" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY") +
        "; SET LOCAL statement_timeout = " +
        std::to_string(statementTimeoutFor(clock_, deadline).count());
    Failure failure;
    std::string text;
    try {
      execSimple(session, begin);
      common::Status st = work(session);
      if (!st.ok()) {
        rollback(*lease);
        return st;
      }
      execSimple(session, "COMMIT");
      return common::Ok{};
    } catch (...) {
      text = currentFailureText();
      failure = classifyFailure(text);
    }
    if (failure.reopen) {
      lease->markBroken();
      // The idle sessions were most likely cut off with this one (the server restarted).
      pool_->discardIdle();
    } else {
      rollback(*lease);
    }
    const bool time_left = remainingBudget(clock_, deadline).count() > 0;
    if (failure.retryable && attempt < kAttempts && time_left) {
      ++retries_;
      continue;
    }
    return errorFor(failure, text);
  }
}

common::Status Database::ping(common::SteadyTime deadline) {
  return execute(deadline, Access::kRead, [](Poco::Data::Session& s) -> common::Status {
    if (sql::scalar(s, "SELECT 1") != 1) {
      return Error::dependencyUnavailable("database did not answer SELECT 1");
    }
    return common::Ok{};
  });
}

common::Status Database::probeServer(common::SteadyTime deadline) {
  std::lock_guard<std::mutex> lock(probe_mu_);
  return probe_.probe(clock_, deadline);
}

common::Status Database::probeWrite(common::SteadyTime deadline) {
  return execute(deadline, Access::kWrite, [this](Poco::Data::Session& s) -> common::Status {
    sql::exec(s,
              "INSERT INTO store_probe (id, written_at) VALUES (1, ?)"
              " ON CONFLICT (id) DO UPDATE SET written_at = EXCLUDED.written_at",
              {clock_.wallMillis()});
    return common::Ok{};
  });
}

}  // namespace cc::store::postgresql
