#pragma once
// A bounded pool of Poco::Data sessions with a deadline-aware wait, recycling and validation.

#include <Poco/Data/Session.h>
#include <Poco/JSON/Object.h>

#include <array>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace cc::store {

/// A session as the pool keeps it, with the deleter its backend needs (SQLite's finalizes the
/// session's cached statements before it closes; any unique_ptr<Session> converts to it).
using PooledSession =
    std::unique_ptr<Poco::Data::Session, std::function<void(Poco::Data::Session*)>>;

struct PoolOptions {
  int min = 5;
  int max = 50;
  std::chrono::milliseconds acquire_timeout{5000};
  std::chrono::seconds idle{300};
  std::chrono::seconds max_lifetime{3600};
  bool validate_on_borrow = true;
};

/// Durations in milliseconds with fixed upper bounds, Prometheus style: the pool's acquisition
/// waits, the writer's batches and its own checkpoints (sqlite::CommitStats, CheckpointStats).
struct WaitHistogram {
  static constexpr std::size_t kBuckets = 11;  // ten bounds and +Inf
  static const std::array<double, kBuckets - 1> kBoundsMs;
  static const std::array<const char*, kBuckets> kLabels;

  std::array<uint64_t, kBuckets> counts{};  // per bucket, not cumulative
  double sum_ms = 0;
  uint64_t count = 0;

  void record(double ms);
  /// Observations at or below bucket `i`'s bound.
  uint64_t cumulative(std::size_t i) const;
  /// {"buckets":{"0.1":n,…,"+Inf":n},"sum":ms,"count":n} with cumulative buckets.
  Poco::JSON::Object::Ptr toJson() const;
};

/// A consistent snapshot of the pool.
struct PoolStats {
  int min = 0;
  int max = 0;
  int size = 0;  // open sessions, in use or idle
  int in_use = 0;
  int idle = 0;
  int waiting = 0;
  uint64_t acquired_total = 0;
  uint64_t timeouts_total = 0;  // waits that ended without a session (pool timeout or deadline)
  uint64_t created_total = 0;
  uint64_t recycled_total = 0;             // closed for exceeding the max lifetime
  uint64_t validation_failures_total = 0;  // failed the borrow check and were replaced
  uint64_t discarded_total = 0;            // closed by discardIdle()
  WaitHistogram wait;

  /// {"min","max","size","in_use","idle","waiting","acquired_total","timeouts_total",
  ///  "wait_ms":{"buckets":{"0.1":n,…,"+Inf":n},"sum":ms,"count":n}} with cumulative buckets.
  Poco::JSON::Object::Ptr toJson() const;
};

class SessionPool;

/// A borrowed session; returns it to the pool when destroyed. Move-only. Not thread-safe: one
/// lease belongs to one thread at a time.
class SessionLease {
 public:
  SessionLease(SessionLease&& other) noexcept;
  SessionLease& operator=(SessionLease&& other) noexcept;
  SessionLease(const SessionLease&) = delete;
  SessionLease& operator=(const SessionLease&) = delete;
  ~SessionLease();

  Poco::Data::Session& session() { return *session_; }
  Poco::Data::Session* operator->() { return session_.get(); }
  /// The connection is suspect (I/O error, failed rollback): close it instead of reusing it.
  void markBroken() { broken_ = true; }

 private:
  friend class SessionPool;
  SessionLease(SessionPool* pool, PooledSession session, common::SteadyTime created_at);
  void release();

  SessionPool* pool_ = nullptr;
  PooledSession session_;
  common::SteadyTime created_at_{};
  bool broken_ = false;
};

/// Hands out at most `max` sessions. Our own pool rather than Poco's SessionPool, which throws
/// at once when exhausted, never retires old connections and only checks isConnected(): here a
/// caller waits up to min(acquire_timeout, deadline - now), sessions older than max_lifetime are
/// closed instead of reused, sessions idle past `idle` are closed down to `min`, and a borrowed
/// session must answer `SELECT 1`. Idle trimming happens on acquire and release (no thread).
/// Time for lifetimes comes from the Clock; waits are real (wait-time metrics use the real
/// steady clock). Backend-neutral: the factory opens SQLite or PostgreSQL sessions, and the
/// check is a real query both answer. Thread-safe. The pool must outlive every lease.
class SessionPool {
 public:
  /// Opens a new, configured session; may throw (a Poco or std exception), which acquire()
  /// and prefill() turn into kDependencyUnavailable.
  using Factory = std::function<PooledSession()>;
  /// The borrow check: true when the session answers a real query. Must not throw.
  using Check = std::function<bool(Poco::Data::Session&)>;

  /// Without a `check`, a borrowed session must answer `SELECT 1` through a Poco statement.
  SessionPool(PoolOptions options, Factory factory, const common::Clock& clock, Check check = {});
  ~SessionPool();
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;

  /// Opens `min` sessions up front so that a bad path or permission fails at start-up.
  common::Status prefill();

  /// A session, or kDbPoolExhausted (with retry_after) when none frees up within the acquire
  /// timeout, or kTimeout when the caller's deadline comes first, or kDependencyUnavailable when
  /// a new session cannot be opened.
  common::Result<SessionLease> acquire(common::SteadyTime deadline);

  /// Closes every idle session (sessions in use are untouched); the pool reopens up to `max`
  /// on demand. Returns how many were closed. For a fault that may have spoilt them all.
  int discardIdle();

  PoolStats stats() const;
  const PoolOptions& options() const { return options_; }

 private:
  struct Idle {
    PooledSession session;
    common::SteadyTime created_at;
    common::SteadyTime last_used;
  };

  friend class SessionLease;
  void giveBack(PooledSession session, common::SteadyTime created_at, bool broken);
  // Moves idle sessions that are too old or idle too long into `doomed`; caller holds mu_.
  void trimLocked(std::vector<PooledSession>& doomed);
  bool expired(common::SteadyTime created_at) const;
  bool answers(Poco::Data::Session& session) const;
  void recordWait(std::chrono::steady_clock::time_point started);

  const PoolOptions options_;
  const Factory factory_;
  const common::Clock& clock_;
  const Check check_;

  mutable std::mutex mu_;
  std::condition_variable freed_;
  std::vector<Idle> idle_;  // most recently used at the back
  int size_ = 0;
  int in_use_ = 0;
  int waiting_ = 0;
  uint64_t acquired_total_ = 0;
  uint64_t timeouts_total_ = 0;
  uint64_t created_total_ = 0;
  uint64_t recycled_total_ = 0;
  uint64_t validation_failures_total_ = 0;
  uint64_t discarded_total_ = 0;
  WaitHistogram wait_;
};

}  // namespace cc::store
