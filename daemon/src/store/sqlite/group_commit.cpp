#include "store/sqlite/group_commit.h"

#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Exception.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <algorithm>
#include <condition_variable>
#include <exception>
#include <future>
#include <optional>
#include <string>

#include "common/thread_priority.h"
#include "store/deadline.h"
#include "store/sqlite/sql.h"

namespace cc::store::sqlite {

using common::Error;
using common::ErrorCode;

struct GroupCommitter::Ticket {
  enum class State { kQueued, kClaimed, kStarted, kDone, kCancelled };

  Ticket(const Work& w, common::SteadyTime d, WriteLane l) : work(w), deadline(d), lane(l) {}

  const Work& work;  // the writer's; never touched once the writer has left (kCancelled)
  const common::SteadyTime deadline;
  const WriteLane lane;
  State state = State::kQueued;          // guarded by mu_
  common::Status result = common::Ok{};  // written by the writer thread before kDone
  std::condition_variable cv;
};

namespace {

// Constraint violations that foreign keys declared DEFERRABLE INITIALLY DEFERRED (or
// PRAGMA defer_foreign_keys) leave open until COMMIT.
int deferredViolations(sqlite3* handle) {
  int current = 0;
  int highest = 0;
  if (sqlite3_db_status(handle, SQLITE_DBSTATUS_DEFERRED_FKS, &current, &highest, 0) != SQLITE_OK) {
    return 0;
  }
  return current;
}

// Ends the transaction if SQLite has not ended it already; false when the connection's state is
// unknown afterwards.
bool rollbackIfOpen(Poco::Data::Session& session, sqlite3* handle) {
  if (sqlite3_get_autocommit(handle) != 0) return true;
  try {
    sql::control(session, "ROLLBACK");
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace

GroupCommitter::GroupCommitter(Options options, Hooks hooks, const common::Clock& clock)
    : options_(options), hooks_(std::move(hooks)), clock_(clock) {
  // The priority is in force (or refused) by the time the committer is built, so that stats()
  // tells it from the first call on.
  std::promise<void> prioritised;
  thread_ = std::thread([this, &prioritised] {
    if (options_.writer_nice != 0) {
      if (auto st = common::setThreadNice(options_.writer_nice); !st.ok()) {
        spdlog::warn("db.writer_nice = {}: {}; the database writer runs at the default priority",
                     options_.writer_nice, st.error().message);
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      stats_.writer_nice = common::threadNice();
    }
    prioritised.set_value();
    writerLoop();
  });
  prioritised.get_future().wait();
}

GroupCommitter::~GroupCommitter() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  work_queued_.notify_one();
  thread_.join();
}

common::Status GroupCommitter::write(common::SteadyTime deadline, const Work& work,
                                     WriteLane lane) {
  const auto budget = remainingBudget(clock_, deadline);
  const bool deadline_first = budget < options_.busy_timeout;
  // The budget comes from the caller's Clock, the wait is real (as for the pool).
  const auto give_up = std::chrono::steady_clock::now() +
                       std::min<std::chrono::nanoseconds>(budget, options_.busy_timeout);
  auto ticket = std::make_shared<Ticket>(work, deadline, lane);
  using State = Ticket::State;

  std::unique_lock<std::mutex> lock(mu_);
  queue_.push_back(ticket);
  if (lane == WriteLane::kQuick) ++quick_queued_;
  work_queued_.notify_one();
  ticket->cv.wait_until(lock, give_up, [&] {
    return ticket->state != State::kQueued && ticket->state != State::kClaimed;
  });
  if (ticket->state == State::kQueued || ticket->state == State::kClaimed) {
    // Not started: leave, so that the work never runs and the answer stays true.
    if (ticket->state == State::kQueued) {
      queue_.erase(std::find(queue_.begin(), queue_.end(), ticket));
      if (lane == WriteLane::kQuick) --quick_queued_;
    }
    ticket->state = State::kCancelled;
    ++stats_.queue_timeouts_total;
    if (deadline_first) {
      return Error{ErrorCode::kTimeout, "request deadline exceeded waiting to write", {}, 0};
    }
    return Error::dependencyUnavailable("database writer busy for longer than db.busy_timeout_ms");
  }
  // Started: its result must be the batch's, however long that takes.
  ticket->cv.wait(lock, [&] { return ticket->state == State::kDone; });
  return ticket->result;
}

void GroupCommitter::writerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    work_queued_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
    // At stop, what is queued still runs: its writers wait for their answers.
    if (queue_.empty()) return;
    runNextBatch(lock);
    lock.lock();
  }
}

void GroupCommitter::runNextBatch(std::unique_lock<std::mutex>& lock) {
  using State = Ticket::State;
  // The quick works first, then the ordinary ones, each lane in its order in the queue.
  Batch batch;
  for (WriteLane lane : {WriteLane::kQuick, WriteLane::kOrdinary}) {
    for (auto it = queue_.begin(); it != queue_.end() && batch.size() < kMaxBatch;) {
      if ((*it)->lane != lane) {
        ++it;
        continue;
      }
      batch.push_back(std::move(*it));
      it = queue_.erase(it);
      batch.back()->state = State::kClaimed;
      if (lane == WriteLane::kQuick) --quick_queued_;
    }
  }
  lock.unlock();
  // On the real clock, as the pool's waits are: what an operator's writes waited for.
  const auto started = std::chrono::steady_clock::now();
  BatchOutcome outcome;
  try {
    outcome = runBatch(batch);
  } catch (...) {
    // Nothing but allocation should throw here, and a writer thread that left by an exception
    // would stall every writer: close the transaction and acknowledge nothing of this batch.
    closeWriter();
    for (const auto& t : batch)
      t->result = Error::dependencyUnavailable("database writer failed unexpectedly");
    outcome = BatchOutcome{0, true, false};
  }
  const double took_ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  lock.lock();
  stats_.batch_ms.record(took_ms);

  std::vector<Ticket*> finished;
  // Works that a lost transaction or the budget left unstarted go first into the next batch, in
  // their order.
  for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
    Ticket& t = **it;
    if (t.state == State::kClaimed) {
      t.state = State::kQueued;
      queue_.push_front(*it);
      if (t.lane == WriteLane::kQuick) ++quick_queued_;
    } else if (t.state == State::kStarted) {
      t.state = State::kDone;
      finished.push_back(&t);
    }
  }
  // Woken in the batch's order, the quick works first: each wake-up is a system call, and the
  // last of a batch of 200 comes milliseconds after the first.
  std::reverse(finished.begin(), finished.end());
  if (outcome.committed > 0) {
    ++stats_.batches_total;
    stats_.works_total += outcome.committed;
    stats_.largest_batch = std::max(stats_.largest_batch, outcome.committed);
  }
  if (outcome.lost) ++stats_.failed_batches_total;
  if (outcome.opened) ++stats_.writer_opens_total;
  lock.unlock();
  // Notified outside the lock; `batch` keeps the tickets alive until here.
  for (Ticket* t : finished) t->cv.notify_one();
}

GroupCommitter::BatchOutcome GroupCommitter::runBatch(const Batch& batch) {
  BatchOutcome outcome;
  if (!ensureWriter(batch, outcome)) return outcome;
  sqlite3* handle = Poco::Data::SQLite::Utility::dbHandle(*writer_);
  try {
    sql::control(*writer_, "BEGIN IMMEDIATE");
  } catch (...) {
    ConnectionFailure f = hooks_.fail(handle);
    // As with a pooled session: a connection that cannot begin is not trusted again.
    closeWriter();
    failUnstarted(batch, f.error, true);
    outcome.lost = true;
    return outcome;
  }

  std::vector<Ticket*> pending;  // succeeded inside the transaction, awaiting its COMMIT
  const bool quick_in_batch = batch.front()->lane == WriteLane::kQuick;
  std::optional<common::SteadyTime> ordinary_since;  // when the first ordinary work started
  for (const auto& ticket : batch) {
    Ticket& t = *ticket;
    if (t.lane == WriteLane::kOrdinary) {
      // Past the budget, while a quick work waits for this COMMIT or for the next batch, the rest
      // wait for the next batch (runNextBatch requeues them): the quick ones do not wait behind
      // all of them.
      if (ordinary_since && clock_.now() - *ordinary_since >= options_.batch_budget &&
          (quick_in_batch || quick_queued_.load() > 0)) {
        break;
      }
      if (!ordinary_since) ordinary_since = clock_.now();
    }
    if (!start(t)) continue;
    if (clock_.now() >= t.deadline) {
      t.result = Error{ErrorCode::kTimeout, "request deadline exceeded waiting to write", {}, 0};
      continue;
    }
    // Inside the transaction, as a slow database would be: the delay holds up every write.
    if (auto st = hooks_.admit(t.deadline); !st.ok()) {
      t.result = st;
      continue;
    }
    const Step step = runWork(t, handle, batch.size() > 1);
    if (step == Step::kPending) {
      pending.push_back(&t);
    } else if (step == Step::kLost) {
      // The writes before this one went with the transaction; nothing of it is acknowledged.
      for (Ticket* p : pending) {
        p->result = t.result;
        hooks_.noted(p->result);
      }
      // Start afresh: the connection kept whatever made SQLite give up (a page limit, a
      // read-only flag, a broken descriptor); closing it rolls back what is still open.
      closeWriter();
      outcome.lost = true;
      return outcome;
    }
  }

  if (pending.empty()) {
    if (!rollbackIfOpen(*writer_, handle)) closeWriter();
    return outcome;
  }
  try {
    sql::control(*writer_, "COMMIT");
  } catch (...) {
    ConnectionFailure f = hooks_.fail(handle);
    if (f.reopen || !rollbackIfOpen(*writer_, handle)) closeWriter();
    for (Ticket* p : pending) {
      p->result = f.error;
      hooks_.noted(p->result);
    }
    outcome.lost = true;
    return outcome;
  }
  for (Ticket* p : pending) {
    p->result = common::Ok{};
    hooks_.noted(p->result);
  }
  outcome.committed = pending.size();
  return outcome;
}

GroupCommitter::Step GroupCommitter::runWork(Ticket& t, sqlite3* handle, bool savepoint) {
  Poco::Data::Session& session = *writer_;
  try {
    if (savepoint) sql::control(session, "SAVEPOINT work");
  } catch (...) {
    t.result = hooks_.fail(handle).error;
    hooks_.noted(t.result);
    return Step::kLost;
  }
  common::Status st = common::Ok{};
  bool sqlite_failed = false;
  bool reopen = false;
  try {
    st = t.work(session);
  } catch (...) {
    ConnectionFailure f = hooks_.fail(handle);
    st = f.error;
    reopen = f.reopen;
    sqlite_failed = true;
  }
  if (st.ok() && deferredViolations(handle) > 0) {
    // COMMIT would refuse these for the whole batch: refuse them for this work alone.
    st = Error::dependencyUnavailable("database error: FOREIGN KEY constraint failed");
    sqlite_failed = true;
  }
  if (sqlite_failed) hooks_.noted(st);
  t.result = st;
  if (reopen || sqlite3_get_autocommit(handle) != 0) {
    if (st.ok())
      t.result =
          Error::dependencyUnavailable("database error: a unit of work ended its transaction");
    return Step::kLost;
  }
  // Alone in its batch, a work needs no savepoint: the batch's ROLLBACK undoes it.
  if (!savepoint) return st.ok() ? Step::kPending : Step::kRolledBack;
  try {
    if (st.ok()) {
      sql::control(session, "RELEASE work");
      return Step::kPending;
    }
    sql::control(session, "ROLLBACK TO work");
    sql::control(session, "RELEASE work");
    return Step::kRolledBack;
  } catch (...) {
    ConnectionFailure f = hooks_.fail(handle);
    if (st.ok()) {
      t.result = f.error;
      hooks_.noted(t.result);
    }
    return Step::kLost;
  }
}

bool GroupCommitter::start(Ticket& ticket) {
  std::lock_guard<std::mutex> lock(mu_);
  if (ticket.state == Ticket::State::kCancelled) return false;
  ticket.state = Ticket::State::kStarted;
  return true;
}

void GroupCommitter::failUnstarted(const Batch& batch, const common::Status& status, bool noted) {
  for (const auto& t : batch) {
    if (!start(*t)) continue;
    t->result = status;
    if (noted) hooks_.noted(status);
  }
}

bool GroupCommitter::ensureWriter(const Batch& batch, BatchOutcome& outcome) {
  // Aged out as pooled sessions are, so that a fault on the file's path (a read-only remount, a
  // file put in its place) reaches the writer too and not only connections opened after it.
  if (writer_ != nullptr && clock_.now() - writer_opened_at_ >= options_.max_lifetime) {
    closeWriter();
  }
  if (writer_ != nullptr) return true;
  std::string why;
  try {
    writer_ = sql::withStatementCache(hooks_.open());
    writer_opened_at_ = clock_.now();
    outcome.opened = true;
    return true;
  } catch (const Poco::Exception& e) {
    why = e.displayText();
  } catch (const std::exception& e) {
    why = e.what();
  } catch (...) {
    why = "unknown error";
  }
  failUnstarted(batch,
                Error::dependencyUnavailable("cannot open the database writer session: " + why),
                false);
  return false;
}

Poco::JSON::Object::Ptr CommitStats::toJson() const {
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object(true);
  out->set("batches_total", batches_total);
  out->set("writes_total", works_total);
  out->set("largest_batch", largest_batch);
  out->set("failed_batches_total", failed_batches_total);
  out->set("queue_timeouts_total", queue_timeouts_total);
  out->set("writer_opens_total", writer_opens_total);
  out->set("queued", queued);
  out->set("writer_nice", writer_nice);
  out->set("batch_ms", batch_ms.toJson());
  return out;
}

CommitStats GroupCommitter::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  CommitStats out = stats_;
  out.queued = static_cast<int>(queue_.size());
  return out;
}

}  // namespace cc::store::sqlite
