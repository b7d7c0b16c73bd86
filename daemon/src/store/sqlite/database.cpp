#include "store/sqlite/database.h"

#include <Poco/Data/SQLite/Connector.h>
#include <Poco/Data/SQLite/SQLiteException.h>
#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>
#include <sqlite3.h>

#include <cstdio>

#include "common/secret_file.h"
#include "store/sqlite/sql.h"

namespace cc::store::sqlite {

using common::Error;
using common::ErrorCode;
using Poco::Data::Keywords::into;
using Poco::Data::Keywords::now;

namespace {

Error sqliteError(int rc, const std::string& what) {
  if (rc == SQLITE_FULL) {
    return Error::unavailable(ErrorCode::kInsufficientStorage, what + ": database or disk is full",
                              1);
  }
  return Error::dependencyUnavailable(what + ": " + sqlite3_errstr(rc));
}

// The page size of a database this daemon creates (see openSession).
constexpr int kPageSize = 1024;

// PRAGMAs take no bound parameters; every value spliced in here is an integer or a keyword we
// chose, never input.
// `mmap_mb`: MiB of the file this session reads through a memory map (0: read calls only; the
// checkpointer, which only copies the log into the file, reads with read calls).
std::unique_ptr<Poco::Data::Session> openSession(const StoreOptions& options, int64_t mmap_mb) {
  // Poco's SQLite connector reports a failed open only when its login timeout (default 60 s)
  // runs out, so keep that short; Database::open probes the path first for a fast, clear error.
  auto session = std::make_unique<Poco::Data::Session>(Poco::Data::SQLite::Connector::KEY,
                                                       options.path, std::size_t{1});
  *session << "PRAGMA busy_timeout = " + std::to_string(options.busy_timeout.count()), now;
  // Before anything writes the file, so that a new database gets it (an existing one keeps its
  // own: WAL mode cannot change it). A write dirties whole pages, one leaf of the table and of
  // each index it moves, far apart among a million agents: a heartbeat or a status change logs
  // and syncs, then checkpoints, a quarter of the bytes it would with SQLite's default 4 KiB.
  *session << "PRAGMA page_size = " + std::to_string(kPageSize), now;
  std::string mode;
  *session << "PRAGMA journal_mode = WAL", into(mode), now;
  if (mode != "wal") {
    throw Poco::IOException("SQLite refused journal_mode=WAL for " + options.path + " (got " +
                            mode + ")");
  }
  // FULL syncs the WAL on every commit, so a committed write survives power loss; NORMAL syncs
  // only at checkpoints: faster, and still consistent, but the last commits may be lost.
  *session << std::string("PRAGMA synchronous = ") + (options.synchronous_full ? "FULL" : "NORMAL"),
      now;
  *session << "PRAGMA foreign_keys = ON", now;
  // Pages of the file read through a map: one already in the OS cache costs no pread and no
  // copy into SQLite's cache. Each session maps the file on its own, and every page it touches
  // counts in the process's RSS once per session that touched it (docs/configuration.md,
  // db.mmap_mb). SQLite caps it at its compiled maximum (2 GiB in Debian's build); the log is
  // still read with read calls.
  *session << "PRAGMA mmap_size = " + std::to_string(mmap_mb * 1024 * 1024), now;
  return session;
}

// Opens the file with SQLite directly and reads the schema, which fails at once (unlike a Poco
// session) when the path is a directory, unreadable, or not a database.
common::Status probe(const std::string& path) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc == SQLITE_OK) rc = sqlite3_exec(db, "PRAGMA schema_version", nullptr, nullptr, nullptr);
  std::string why = db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  sqlite3_close(db);
  if (rc != SQLITE_OK)
    return Error::dependencyUnavailable("cannot open database " + path + ": " + why);
  return common::Ok{};
}

sqlite3* handleOf(SessionLease& lease) {
  try {
    return Poco::Data::SQLite::Utility::dbHandle(lease.session());
  } catch (...) {
    return nullptr;  // no handle to ask: the exception type alone decides
  }
}

void rollback(SessionLease& lease) {
  try {
    sql::control(lease.session(), "ROLLBACK");
  } catch (...) {
    // Unknown transaction state: never hand this connection out again.
    lease.markBroken();
  }
}

}  // namespace

SqliteFailure classifySqliteError(int result_code) {
  switch (result_code & 0xff) {
    case SQLITE_FULL:
      return {ErrorCode::kInsufficientStorage, false};
    // A connection that opened the file read-only stays read-only; one whose file was replaced
    // or whose I/O failed keeps its descriptor to the old file: only a new connection recovers.
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_PERM:
    case SQLITE_AUTH:
      return {ErrorCode::kDependencyUnavailable, true};
    default:
      return {ErrorCode::kDependencyUnavailable, false};
  }
}

namespace {

// The result code behind the exception being handled: the connection's own code when it has
// one, since Poco throws the same exception type for several codes (SQLITE_NOTADB among them).
int currentSqliteCode(sqlite3* handle) {
  try {
    throw;
  } catch (const Poco::Data::SQLite::SQLiteException&) {
    int rc = handle != nullptr ? sqlite3_extended_errcode(handle) : SQLITE_OK;
    if (rc != SQLITE_OK && rc != SQLITE_ROW && rc != SQLITE_DONE) return rc;
    try {
      throw;
    } catch (const Poco::Data::SQLite::DatabaseFullException&) {
      return SQLITE_FULL;
    } catch (const Poco::Data::SQLite::ReadOnlyException&) {
      return SQLITE_READONLY;
    } catch (const Poco::Data::SQLite::IOErrorException&) {
      return SQLITE_IOERR;
    } catch (const Poco::Data::SQLite::CorruptImageException&) {
      return SQLITE_CORRUPT;
    } catch (const Poco::Data::SQLite::CantOpenDBFileException&) {
      return SQLITE_CANTOPEN;
    } catch (const Poco::Data::SQLite::DBLockedException&) {
      return SQLITE_BUSY;
    } catch (const Poco::Data::SQLite::TableLockedException&) {
      return SQLITE_LOCKED;
    } catch (...) {
      return SQLITE_ERROR;
    }
  } catch (...) {
    return SQLITE_ERROR;
  }
}

}  // namespace

Error currentStoreError(sqlite3* handle) {
  const int rc = currentSqliteCode(handle);
  if (classifySqliteError(rc).code == ErrorCode::kInsufficientStorage) {
    return Error::unavailable(ErrorCode::kInsufficientStorage, "database or disk is full", 1);
  }
  try {
    throw;
  } catch (const Poco::Data::SQLite::DBLockedException&) {
    return Error::dependencyUnavailable("database is locked");
  } catch (const Poco::Data::SQLite::TableLockedException&) {
    return Error::dependencyUnavailable("database table is locked");
  } catch (const Poco::Data::SQLite::SQLiteException& e) {
    return Error::dependencyUnavailable("database error: " + e.displayText() + " (" +
                                        sqlite3_errstr(rc) + ")");
  } catch (const Poco::Exception& e) {
    return Error::dependencyUnavailable("database error: " + e.displayText());
  } catch (const std::exception& e) {
    return Error::dependencyUnavailable(std::string("database error: ") + e.what());
  } catch (...) {
    return Error::dependencyUnavailable("unknown database error");
  }
}

Database::Database(StoreOptions options, const common::Clock& clock)
    : options_(std::move(options)), clock_(clock), faults_(clock) {
  faults_.set({options_.fault_delay_ms, options_.fault_error_rate});
  // The pool keeps each session's prepared statements for as long as it keeps the session.
  pool_ = std::make_unique<SessionPool>(
      options_.pool,
      [opts = options_] {
        return PooledSession(sql::withStatementCache(openSession(opts, opts.mmap_mb)));
      },
      clock_);
  checkpointer_ = std::make_unique<WalCheckpointer>(
      WalCheckpointer::Options{options_.checkpoint_pages, 64 * options_.checkpoint_pages,
                               std::chrono::milliseconds(1000), 4 * options_.checkpoint_pages,
                               options_.writer_nice},
      [opts = options_] { return openSession(opts, 0); });
  GroupCommitter::Hooks hooks;
  hooks.open = [this] {
    auto session = openSession(options_, options_.mmap_mb);
    // Room for a whole batch's pages, which would otherwise spill into the log mid-transaction
    // and be written there twice; a negative cache_size is in KiB. No more than that: every
    // COMMIT walks the whole cache (SQLite truncates it to the database's size), which at 64 MiB
    // was 40% of the writer's time at 1,000,000 agents (docs/benchmarks.md).
    *session << "PRAGMA cache_size = -" + std::to_string(options_.writer_cache_mb * 1024), now;
    // The log is reused from its start after a full checkpoint; past this it is also cut back.
    *session << "PRAGMA journal_size_limit = " +
                    std::to_string(options_.checkpoint_pages * 4 * 4096),
        now;
    checkpointer_->attach(Poco::Data::SQLite::Utility::dbHandle(*session));
    return session;
  };
  hooks.admit = [this](common::SteadyTime deadline) { return faults_.apply(deadline); };
  hooks.fail = [this](sqlite3* handle) { return fail(handle); };
  hooks.noted = [this](const common::Status& status) { noteWrite(status); };
  committer_ = std::make_unique<GroupCommitter>(
      GroupCommitter::Options{options_.busy_timeout, options_.pool.max_lifetime,
                              options_.writer_nice, options_.writer_batch},
      std::move(hooks), clock_);
}

common::Result<std::unique_ptr<Database>> Database::open(const StoreOptions& options,
                                                         const common::Clock& clock) {
  static std::once_flag registered;
  std::call_once(registered, [] {
    // Before the first connection: a connection is only ever used by one thread at a time (a
    // pool lease, the writer's leader, the checkpointer's own), so SQLite's per-connection
    // mutexes and its allocator's statistics lock are pure cost on every call. Were the library
    // already initialised (another user in the process), the calls fail and SQLite stays
    // serialised, which is correct, only slower.
    sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    Poco::Data::SQLite::Connector::registerConnector();
  });
  std::string parent;
  try {
    parent = Poco::Path(options.path).parent().toString();
  } catch (const Poco::Exception& e) {
    return Error::dependencyUnavailable("cannot create the directory of db.path " + options.path +
                                        ": " + e.displayText());
  }
  // Owner-only whatever the umask: SQLite gives the -wal and -shm files the database's mode.
  if (!parent.empty()) {
    if (auto st = common::makePrivateDirectory(parent); !st.ok()) {
      return Error::dependencyUnavailable("cannot create the directory of db.path: " +
                                          st.error().message);
    }
  }
  if (auto st = common::makePrivateFile(options.path); !st.ok()) {
    return Error::dependencyUnavailable("cannot create db.path: " + st.error().message);
  }
  if (auto st = probe(options.path); !st.ok()) return st.error();
  std::unique_ptr<Database> db(new Database(options, clock));
  if (auto st = db->pool_->prefill(); !st.ok()) {
    return Error::dependencyUnavailable("cannot open database " + options.path + ": " +
                                        st.error().message);
  }
  return db;
}

common::Status Database::execute(common::SteadyTime deadline, Access access, const Work& work) {
  if (access != Access::kRead) {
    return committer_->write(
        deadline, work, access == Access::kQuickWrite ? WriteLane::kQuick : WriteLane::kOrdinary);
  }
  auto lease = pool_->acquire(deadline);
  if (!lease.ok()) return lease.error();
  // The injected delay holds the session, as a slow database would, so that a delay rehearses
  // pool exhaustion too.
  if (auto st = faults_.apply(deadline); !st.ok()) return st;

  Poco::Data::Session& session = lease->session();
  try {
    sql::control(session, "BEGIN");
  } catch (...) {
    lease->markBroken();
    return fail(handleOf(*lease)).error;
  }
  try {
    common::Status st = work(session);
    if (!st.ok()) {
      rollback(*lease);
      return st;
    }
    sql::control(session, "COMMIT");
    return common::Ok{};
  } catch (...) {
    ConnectionFailure f = fail(handleOf(*lease));
    if (f.reopen) lease->markBroken();
    rollback(*lease);
    return f.error;
  }
}

ConnectionFailure Database::fail(sqlite3* handle) {
  const int rc = currentSqliteCode(handle);
  ConnectionFailure f{currentStoreError(handle), classifySqliteError(rc).reopen};
  if (f.reopen) {
    // The idle sessions share the file's fate (opened read-only, or on the replaced file):
    // close them too, so that the first request after the repair does not meet a stale one.
    pool_->discardIdle();
    std::lock_guard<std::mutex> lock(storage_mu_);
    ++storage_.reopens_total;
  }
  return f;
}

void Database::noteWrite(const common::Status& status) {
  std::lock_guard<std::mutex> lock(storage_mu_);
  if (status.ok()) {
    storage_.full = false;
    storage_.full_since_ms = 0;
  } else if (status.error().code == ErrorCode::kInsufficientStorage) {
    if (!storage_.full) storage_.full_since_ms = clock_.wallMillis();
    storage_.full = true;
    ++storage_.full_errors_total;
  }
}

StorageState Database::storage() const {
  std::lock_guard<std::mutex> lock(storage_mu_);
  return storage_;
}

common::Status Database::probeWrite(common::SteadyTime deadline) {
  return execute(deadline, Access::kWrite, [this](Poco::Data::Session& s) -> common::Status {
    int64_t at = clock_.wallMillis();
    s << "INSERT INTO store_probe (id, written_at) VALUES (1, ?)"
         " ON CONFLICT(id) DO UPDATE SET written_at = excluded.written_at",
        Poco::Data::Keywords::use(at), now;
    return common::Ok{};
  });
}

common::Status Database::ping(common::SteadyTime deadline) {
  return execute(deadline, Access::kRead, [](Poco::Data::Session& s) -> common::Status {
    int one = 0;
    s << "SELECT 1", into(one), now;
    if (one != 1) return Error::dependencyUnavailable("database did not answer SELECT 1");
    return common::Ok{};
  });
}

common::Status Database::backup(const std::string& path, common::SteadyTime deadline) {
  auto lease = pool_->acquire(deadline);
  if (!lease.ok()) return lease.error();
  if (auto st = faults_.apply(deadline); !st.ok()) return st;

  const std::string tmp = path + ".tmp";
  std::remove(tmp.c_str());
  // A copy of every secret in the database: owner-only from its first byte, like the database.
  if (auto st = common::makePrivateFile(tmp); !st.ok()) return st;
  sqlite3* source = Poco::Data::SQLite::Utility::dbHandle(lease->session());
  sqlite3* target = nullptr;
  int rc =
      sqlite3_open_v2(tmp.c_str(), &target, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_close(target);
    return sqliteError(rc, "cannot create backup file " + tmp);
  }
  sqlite3_busy_timeout(target, static_cast<int>(options_.busy_timeout.count()));
  sqlite3_backup* copy = sqlite3_backup_init(target, "main", source, "main");
  if (copy == nullptr) {
    Error e = sqliteError(sqlite3_errcode(target), "cannot start backup");
    sqlite3_close(target);
    std::remove(tmp.c_str());
    return e;
  }
  // One step copies every page under a single read transaction: a consistent snapshot that
  // concurrent writers (WAL) do not restart.
  rc = sqlite3_backup_step(copy, -1);
  sqlite3_backup_finish(copy);
  sqlite3_close(target);
  if (rc != SQLITE_DONE) {
    std::remove(tmp.c_str());
    return sqliteError(rc, "backup to " + path + " failed");
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Error::dependencyUnavailable("cannot move backup into place at " + path);
  }
  return common::Ok{};
}

}  // namespace cc::store::sqlite
