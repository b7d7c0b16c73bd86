#pragma once
// Group commit: writes that arrive while a transaction is in flight share the next one, and so
// its fsync, on a writer connection of their own.

#include <Poco/Data/Session.h>
#include <Poco/JSON/Object.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/session_pool.h"
#include "store/sqlite/statement_cache.h"

struct sqlite3;

namespace cc::store::sqlite {

/// A unit of work: runs statements on the session it is given; an error result undoes them.
using Work = std::function<common::Status(Poco::Data::Session&)>;

/// Where a write waits: a quick one (a heartbeat) runs ahead of the ordinary writes queued with
/// it, so that it does not wait behind their statements and the pages they dirty.
enum class WriteLane { kOrdinary, kQuick };

/// A failed SQLite call as the database around the committer judges it.
struct ConnectionFailure {
  common::Error error;
  /// The connection may stay unusable (see SqliteFailure::reopen): close it rather than reuse.
  bool reopen = false;
};

/// What the committer has done since start, for operators. works_total / batches_total is the
/// mean number of writes that shared one COMMIT.
struct CommitStats {
  uint64_t batches_total = 0;         ///< transactions committed
  uint64_t works_total = 0;           ///< writes committed in them
  uint64_t largest_batch = 0;         ///< most writes one COMMIT has carried
  uint64_t failed_batches_total = 0;  ///< transactions lost (BEGIN, COMMIT or SQLite gave up)
  uint64_t queue_timeouts_total = 0;  ///< writes that gave up in the queue, before they started
  uint64_t writer_opens_total = 0;    ///< writer connections opened (first, after faults, aged)
  int queued = 0;                     ///< writes waiting for a batch right now
  int writer_nice = 0;                ///< the writer thread's priority in force (nice value)
  /// Each batch's time on the writer, from taking it to the end of its COMMIT (and of the
  /// writer's own checkpoint after it, if any): what every write of the batch waits for once
  /// taken, and what writes queued meanwhile wait for before theirs.
  WaitHistogram batch_ms;

  /// {"batches_total","writes_total","largest_batch","failed_batches_total",
  ///  "queue_timeouts_total","writer_opens_total","queued","writer_nice","batch_ms":{…}}
  Poco::JSON::Object::Ptr toJson() const;
};

/// Runs write units of work in transactions on one connection of its own, so that a write never
/// waits for a session that readers hold. One writer thread of its own runs every batch: it takes
/// up to kMaxBatch queued works, the quick ones first (WriteLane), each lane in its order of
/// arrival; runs BEGIN IMMEDIATE, each work inside its own SAVEPOINT (unless it is alone), then
/// one COMMIT, and wakes each writer of the batch with its own result; writers that arrive
/// meanwhile queue and wait for the next batch. While a quick write waits (in the batch or
/// queued), the ordinary works of a batch stop once they have run for Options::batch_budget
/// (db.writer_batch_ms, on the Clock): at least one runs, and those not started go back to the
/// front of the queue, in their order, for the next batch. So a quick write waits at most for
/// the batch in flight and its own, each about a budget of ordinary works and a COMMIT, however
/// many ordinary writes are queued; without quick writes, batches are as large as they come. The
/// thread runs at Options::writer_nice (db.writer_nice): among a daemon's hundreds of request
/// threads on a few cores, a writer at the default priority waits for a core for most of each
/// batch, and every write with it (a refused priority is logged once and the thread runs at the
/// default).
///
/// Promises: write() returns success only after the COMMIT that contains the work succeeded.
/// A work that returns an error or throws is rolled back to its savepoint and gets its own error
/// while the others proceed; so does one that leaves a deferred foreign-key violation, which
/// would otherwise fail the whole COMMIT. If BEGIN or COMMIT fails, or SQLite abandons the
/// transaction, every work of it that had succeeded gets that failure; works not yet started
/// then go to the next batch. A writer waits for its work to start at most min(deadline,
/// busy_timeout): past that it leaves the queue with kTimeout (deadline first) or
/// kDependencyUnavailable, and its work never runs; once started, it waits for the outcome.
/// The writer connection is reopened after a failure that Hooks::fail marks `reopen`, after a
/// lost transaction, and once older than max_lifetime (as pooled sessions are), so that a fault
/// on the file's path reaches it. Thread-safe; only the writer thread touches the connection.
class GroupCommitter {
 public:
  /// Bounds one transaction: a larger batch would hold every writer in it for longer.
  static constexpr std::size_t kMaxBatch = 256;

  /// What the committer needs from the database around it; all run on the writer thread.
  struct Hooks {
    /// A new, configured connection; may throw.
    std::function<std::unique_ptr<Poco::Data::Session>()> open;
    /// Runs before each work (the injected delay and failures); an error fails that work alone.
    std::function<common::Status(common::SteadyTime deadline)> admit;
    /// Call only inside a catch block: the failure for the exception that the connection
    /// `handle` raised (and whatever the database does about it, such as closing idle sessions).
    std::function<ConnectionFailure(sqlite3* handle)> fail;
    /// The outcome of each write that reached SQLite, in order: success, or its failure.
    std::function<void(const common::Status&)> noted;
  };

  struct Options {
    std::chrono::milliseconds busy_timeout{5000};  // db.busy_timeout_ms: the longest queue wait
    std::chrono::seconds max_lifetime{3600};       // db.pool.max_lifetime_s, for the writer too
    int writer_nice = 0;                           // db.writer_nice: the writer thread's priority
    std::chrono::milliseconds batch_budget{5};     // db.writer_batch_ms: ordinary works a batch
  };

  GroupCommitter(Options options, Hooks hooks, const common::Clock& clock);
  ~GroupCommitter();
  GroupCommitter(const GroupCommitter&) = delete;
  GroupCommitter& operator=(const GroupCommitter&) = delete;

  /// Runs `work` in a write transaction, as described above; `work` must outlive the call.
  common::Status write(common::SteadyTime deadline, const Work& work,
                       WriteLane lane = WriteLane::kOrdinary);

  CommitStats stats() const;

 private:
  struct Ticket;
  using Batch = std::vector<std::shared_ptr<Ticket>>;
  // What one batch did, folded into stats_ under mu_.
  struct BatchOutcome {
    uint64_t committed = 0;
    bool lost = false;
    bool opened = false;
  };
  enum class Step { kPending, kRolledBack, kLost };

  // The writer thread: runs a batch whenever works are queued, until stopped and drained.
  void writerLoop();
  // Runs one batch. The caller holds `lock`, which is released on return.
  void runNextBatch(std::unique_lock<std::mutex>& lock);
  BatchOutcome runBatch(const Batch& batch);
  Step runWork(Ticket& ticket, sqlite3* handle, bool savepoint);
  // Marks `ticket` started unless its writer gave up; whether it may run.
  bool start(Ticket& ticket);
  // Gives every ticket of `batch` that may still start `status` as its result.
  void failUnstarted(const Batch& batch, const common::Status& status, bool noted);
  bool ensureWriter(const Batch& batch, BatchOutcome& outcome);
  void closeWriter() { writer_.reset(); }

  const Options options_;
  const Hooks hooks_;
  const common::Clock& clock_;

  // The writer thread's alone.
  sql::SessionPtr writer_;
  common::SteadyTime writer_opened_at_{};

  mutable std::mutex mu_;
  std::deque<std::shared_ptr<Ticket>> queue_;  // works not yet taken into a batch, oldest first
  std::atomic<int> quick_queued_{0};  // quick works in queue_; written under mu_, read without
  std::condition_variable work_queued_;
  bool stopping_ = false;
  std::thread thread_;  // the writer: runs every batch
  CommitStats stats_;
};

}  // namespace cc::store::sqlite
