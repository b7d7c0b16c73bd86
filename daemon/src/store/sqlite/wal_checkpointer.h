#pragma once
// Checkpoints of the write-ahead log on a thread and connection of their own, so that no COMMIT
// waits for the log to be copied back into the database file.

#include <Poco/Data/Session.h>
#include <Poco/JSON/Object.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "store/session_pool.h"

struct sqlite3;

namespace cc::store::sqlite {

/// What the checkpointer has done since start, for operators.
struct CheckpointStats {
  uint64_t checkpoints_total = 0;     ///< checkpoints run (background and backstop)
  uint64_t backstop_total = 0;        ///< of which the writer ran itself, the log being too long
  uint64_t catch_ups_total = 0;       ///< of which the writer ran to copy the log's last pages
  uint64_t failures_total = 0;        ///< checkpoints that failed (I/O, full disk, read-only)
  int64_t wal_pages = 0;              ///< pages in the log after the latest commit
  int64_t last_backfilled_pages = 0;  ///< pages the latest checkpoint copied back
  std::string last_error;             ///< the latest failure, "" once one succeeds again
  /// The writer's own checkpoints (catch-ups and backstops, tried or run), each as long as it
  /// held the writer after its COMMIT, the backstop's wait for the thread's checkpoint included.
  WaitHistogram writer_ms;

  /// {"checkpoints_total","backstop_total","catch_ups_total","failures_total","wal_pages",
  ///  "last_backfilled_pages","last_error","writer_ms":{…}}
  Poco::JSON::Object::Ptr toJson() const;
};

/// Replaces SQLite's automatic checkpoint, which the connection whose COMMIT crosses
/// `threshold_pages` runs inside that COMMIT (so the writer, and every write of its batch, waits
/// for a few thousand random writes and an fsync of the database file). attach() installs a
/// commit hook on the writer connection that only notes the log's length and wakes this thread
/// once it reaches `threshold_pages`; the thread then runs a PASSIVE checkpoint on its own
/// connection, which copies what no reader still needs while the writer goes on committing.
/// Should the log still reach `backstop_pages` (a disk too slow for the write rate, a checkpoint
/// failing, or simply writes that never pause: a background checkpoint copies what was in the log
/// when it began, so under a steady write rate the log is never all copied and SQLite never starts
/// it afresh), the writer checkpoints itself after its COMMIT, as SQLite would: it first waits for
/// a background checkpoint in progress to end (two checkpoints at once would make its own give up
/// with SQLITE_BUSY, and the log grow without bound), then copies the rest, so that its next
/// transaction starts the log afresh. Writes slow down rather than the log growing. The
/// checkpointing connection has the database's `synchronous` setting, so a checkpoint syncs the log
/// before and the database file after copying; durability is that of the commits themselves. A
/// failed checkpoint is counted and logged once until one succeeds; its connection is reopened for
/// the next. Long before the backstop, at `restart_pages`, the writer catches up instead: when the
/// thread's latest checkpoint left at most `threshold_pages` of the log uncopied, the thread waits
/// and the writer copies those after its next COMMIT (a few milliseconds), so that its next
/// transaction starts the log afresh; otherwise the log grows, under steady writes, to the
/// backstop, whose wait for the thread's checkpoint and copy of the rest hold every write for
/// hundreds of milliseconds (docs/benchmarks.md). Thread-safe.
class WalCheckpointer {
 public:
  struct Options {
    int64_t threshold_pages = 1000;  // db.checkpoint_pages
    int64_t backstop_pages = 64000;  // 64 x threshold_pages by default
    /// How often the thread also looks at a log below the threshold (a quiet daemon's log is
    /// folded back too) and retries after a failure.
    std::chrono::milliseconds idle_interval{1000};
    int64_t restart_pages = 0;  // where the writer catches up (see above); 0: never
    int nice = 0;               // the thread's priority (db.writer_nice)
  };
  using Open = std::function<std::unique_ptr<Poco::Data::Session>()>;

  WalCheckpointer(Options options, Open open);
  /// Stops the thread; every connection attach()ed to must be closed first.
  ~WalCheckpointer();
  WalCheckpointer(const WalCheckpointer&) = delete;
  WalCheckpointer& operator=(const WalCheckpointer&) = delete;

  /// Turns off SQLite's automatic checkpoint on the writer `handle` and installs the hook that
  /// feeds this checkpointer. The connection must be closed before the checkpointer is destroyed.
  void attach(sqlite3* handle);

  CheckpointStats stats() const;

 private:
  static int onCommit(void* self, sqlite3* handle, const char* db_name, int pages);
  // The writer's copy of the log's last pages; whether the whole log is now copied back.
  bool catchUp(sqlite3* handle, const char* db_name);
  // Counts a checkpoint of the writer's (catch-up or backstop) that began at `started`.
  void noteWriterCheckpoint(std::chrono::steady_clock::time_point started);
  void run();
  void checkpointOnce();

  const Options options_;
  const Open open_;
  mutable std::mutex mu_;
  // Held while one of our checkpoints runs (the thread's or the writer's backstop), so that the
  // backstop waits for the thread's instead of failing with SQLITE_BUSY. Taken before mu_.
  std::mutex checkpoint_mu_;
  std::condition_variable wake_;
  bool pending_ = false;    // guarded by mu_
  bool stop_ = false;       // guarded by mu_
  CheckpointStats stats_;   // guarded by mu_
  int64_t log_pages_ = 0;   // the log's length at the latest commit; guarded by mu_
  int64_t backfilled_ = 0;  // of it, copied back by the latest checkpoint; guarded by mu_
  // The thread's latest checkpoint left the log long and little of it uncopied: the writer's
  // next commit copies the rest, and the thread waits for it (at most idle_interval) rather than
  // start a checkpoint that the writer would have to wait for. Guarded by mu_.
  bool catch_up_due_ = false;
  std::unique_ptr<Poco::Data::Session> session_;  // the thread's alone
  std::thread thread_;
};

}  // namespace cc::store::sqlite
