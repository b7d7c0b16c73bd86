#include "store/sqlite/wal_checkpointer.h"

#include <Poco/Data/SQLite/Utility.h>
#include <Poco/Exception.h>
#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <chrono>
#include <exception>

#include "common/thread_priority.h"

namespace cc::store::sqlite {

WalCheckpointer::WalCheckpointer(Options options, Open open)
    : options_(options), open_(std::move(open)) {
  thread_ = std::thread([this] {
    // At the writer's priority: a thread that falls behind the writes leaves the log to the
    // writer's backstop, which holds every write (docs/benchmarks.md). A refusal is the writer's
    // to log; this thread then runs at the default priority.
    if (options_.nice != 0) (void)common::setThreadNice(options_.nice);
    run();
  });
}

WalCheckpointer::~WalCheckpointer() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void WalCheckpointer::attach(sqlite3* handle) {
  // Replaces the hook that sqlite3_wal_autocheckpoint installs (one hook a connection).
  sqlite3_wal_hook(handle, &WalCheckpointer::onCommit, this);
}

int WalCheckpointer::onCommit(void* self, sqlite3* handle, const char* db_name, int pages) {
  auto* c = static_cast<WalCheckpointer*>(self);
  const Options& o = c->options_;
  bool catch_up = false;
  {
    std::lock_guard<std::mutex> lock(c->mu_);
    if (pages < c->log_pages_) c->backfilled_ = 0;  // the log started afresh
    c->log_pages_ = pages;
    c->stats_.wal_pages = pages;
    catch_up = o.restart_pages > 0 && pages >= o.restart_pages && pages < o.backstop_pages &&
               (c->catch_up_due_ || pages - c->backfilled_ <= o.threshold_pages);
  }
  // Before the thread is woken, so that it does not take the checkpoint first.
  if (catch_up) {
    const auto started = std::chrono::steady_clock::now();
    const bool restarted = c->catchUp(handle, db_name);
    c->noteWriterCheckpoint(started);
    if (restarted) return SQLITE_OK;
  }
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(c->mu_);
    // Woken even when already pending: a thread that waited for the catch-up goes on now.
    if (pages >= c->options_.threshold_pages) {
      c->pending_ = true;
      wake = true;
    }
  }
  if (wake) c->wake_.notify_one();
  if (pages >= c->options_.backstop_pages) {
    // The background checkpoints are not keeping up: this writer pays, as it would without us.
    // The writer holds no lock of the database here (its transaction has ended), so the thread's
    // PASSIVE checkpoint, which never waits, ends without it.
    const auto started = std::chrono::steady_clock::now();
    std::lock_guard<std::mutex> checkpointing(c->checkpoint_mu_);
    int log = 0;
    int done = 0;
    const int rc =
        sqlite3_wal_checkpoint_v2(handle, db_name, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    c->noteWriterCheckpoint(started);  // takes mu_, after checkpoint_mu_ as everywhere
    std::lock_guard<std::mutex> lock(c->mu_);
    ++c->stats_.backstop_total;
    if (rc == SQLITE_OK) {
      ++c->stats_.checkpoints_total;
      c->stats_.last_backfilled_pages = done;
      c->backfilled_ = done;
    }
  }
  // The hook's result is the commit's: a failed checkpoint must not fail a committed write.
  return SQLITE_OK;
}

void WalCheckpointer::noteWriterCheckpoint(std::chrono::steady_clock::time_point started) {
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  std::lock_guard<std::mutex> lock(mu_);
  stats_.writer_ms.record(ms);
}

bool WalCheckpointer::catchUp(sqlite3* handle, const char* db_name) {
  // Never waits for the thread: were its checkpoint running, it copies these pages itself.
  std::unique_lock<std::mutex> checkpointing(checkpoint_mu_, std::try_to_lock);
  if (!checkpointing.owns_lock()) return false;
  int log = 0;
  int done = 0;
  // PASSIVE never waits for a reader: what a reader still needs stays for the thread.
  const int rc = sqlite3_wal_checkpoint_v2(handle, db_name, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
  std::lock_guard<std::mutex> lock(mu_);
  catch_up_due_ = false;              // taken: whatever is left is the thread's again
  if (rc != SQLITE_OK) return false;  // the thread's next checkpoint tells a failure
  ++stats_.checkpoints_total;
  ++stats_.catch_ups_total;
  stats_.last_backfilled_pages = done;
  backfilled_ = done;
  if (log < 0 || done < log) return false;
  stats_.wal_pages = 0;
  return true;
}

void WalCheckpointer::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    const bool woken = wake_.wait_for(lock, options_.idle_interval,
                                      [this] { return stop_ || (pending_ && !catch_up_due_); });
    if (stop_) break;
    // No commit took the catch-up within the interval (the writes paused): the thread copies.
    if (!woken) catch_up_due_ = false;
    const bool due = pending_ || stats_.wal_pages > 0 || !stats_.last_error.empty();
    pending_ = false;
    if (!due) continue;
    lock.unlock();
    checkpointOnce();
    lock.lock();
  }
  lock.unlock();
  session_.reset();
}

void WalCheckpointer::checkpointOnce() {
  std::string error;
  int log = 0;
  int done = 0;
  try {
    if (session_ == nullptr) session_ = open_();
    sqlite3* handle = Poco::Data::SQLite::Utility::dbHandle(*session_);
    std::lock_guard<std::mutex> checkpointing(checkpoint_mu_);
    const int rc =
        sqlite3_wal_checkpoint_v2(handle, nullptr, SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    // BUSY: another checkpoint (the writer's backstop, a backup) is running; the next try counts.
    if (rc == SQLITE_BUSY) return;
    if (rc != SQLITE_OK) error = std::string(sqlite3_errstr(rc)) + ": " + sqlite3_errmsg(handle);
  } catch (const Poco::Exception& e) {
    error = e.displayText();
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (!error.empty()) session_.reset();  // reopened for the next try, as pooled sessions are

  std::lock_guard<std::mutex> lock(mu_);
  if (error.empty()) {
    ++stats_.checkpoints_total;
    stats_.last_backfilled_pages = done;
    backfilled_ = done;
    catch_up_due_ = options_.restart_pages > 0 && log >= options_.restart_pages && done < log &&
                    log - done <= options_.threshold_pages;
    // Everything copied back: the next commit restarts the log, and until then nothing is due.
    if (log >= 0 && done >= log) stats_.wal_pages = 0;
    if (!stats_.last_error.empty()) {
      spdlog::info("store: WAL checkpoints succeed again");
      stats_.last_error.clear();
    }
    return;
  }
  ++stats_.failures_total;
  if (stats_.last_error.empty()) {
    spdlog::warn("store: WAL checkpoint failed: {}; retrying every {} ms", error,
                 options_.idle_interval.count());
  }
  stats_.last_error = error;
}

CheckpointStats WalCheckpointer::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

Poco::JSON::Object::Ptr CheckpointStats::toJson() const {
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object(true);
  out->set("checkpoints_total", checkpoints_total);
  out->set("backstop_total", backstop_total);
  out->set("catch_ups_total", catch_ups_total);
  out->set("failures_total", failures_total);
  out->set("wal_pages", wal_pages);
  out->set("last_backfilled_pages", last_backfilled_pages);
  out->set("last_error", last_error);
  out->set("writer_ms", writer_ms.toJson());
  return out;
}

}  // namespace cc::store::sqlite
