#include "store/session_pool.h"

#include <Poco/Data/Session.h>
#include <Poco/Exception.h>

#include <algorithm>
#include <cmath>

#include "store/deadline.h"

namespace cc::store {

using common::Error;
using common::ErrorCode;
using Doomed = std::vector<PooledSession>;

const std::array<double, WaitHistogram::kBuckets - 1> WaitHistogram::kBoundsMs = {
    0.1, 0.5, 1, 5, 10, 50, 100, 500, 1000, 5000};
const std::array<const char*, WaitHistogram::kBuckets> WaitHistogram::kLabels = {
    "0.1", "0.5", "1", "5", "10", "50", "100", "500", "1000", "5000", "+Inf"};

void WaitHistogram::record(double ms) {
  std::size_t i = 0;
  while (i < kBoundsMs.size() && ms > kBoundsMs[i]) ++i;
  ++counts[i];
  sum_ms += ms;
  ++count;
}

uint64_t WaitHistogram::cumulative(std::size_t i) const {
  uint64_t total = 0;
  for (std::size_t j = 0; j <= i && j < counts.size(); ++j) total += counts[j];
  return total;
}

Poco::JSON::Object::Ptr PoolStats::toJson() const {
  Poco::JSON::Object::Ptr out = new Poco::JSON::Object(true);
  out->set("min", min);
  out->set("max", max);
  out->set("size", size);
  out->set("in_use", in_use);
  out->set("idle", idle);
  out->set("waiting", waiting);
  out->set("acquired_total", acquired_total);
  out->set("timeouts_total", timeouts_total);
  out->set("wait_ms", wait.toJson());
  return out;
}

Poco::JSON::Object::Ptr WaitHistogram::toJson() const {
  Poco::JSON::Object::Ptr buckets = new Poco::JSON::Object(true);
  for (std::size_t i = 0; i < kBuckets; ++i) buckets->set(kLabels[i], cumulative(i));
  Poco::JSON::Object::Ptr hist = new Poco::JSON::Object(true);
  hist->set("buckets", buckets);
  hist->set("sum", sum_ms);
  hist->set("count", count);
  return hist;
}

SessionLease::SessionLease(SessionPool* pool, PooledSession session, common::SteadyTime created_at)
    : pool_(pool), session_(std::move(session)), created_at_(created_at) {}

SessionLease::SessionLease(SessionLease&& other) noexcept
    : pool_(std::exchange(other.pool_, nullptr)),
      session_(std::move(other.session_)),
      created_at_(other.created_at_),
      broken_(other.broken_) {}

SessionLease& SessionLease::operator=(SessionLease&& other) noexcept {
  if (this != &other) {
    release();
    pool_ = std::exchange(other.pool_, nullptr);
    session_ = std::move(other.session_);
    created_at_ = other.created_at_;
    broken_ = other.broken_;
  }
  return *this;
}

SessionLease::~SessionLease() { release(); }

void SessionLease::release() {
  if (pool_ != nullptr && session_ != nullptr) {
    pool_->giveBack(std::move(session_), created_at_, broken_);
  }
  pool_ = nullptr;
}

SessionPool::SessionPool(PoolOptions options, Factory factory, const common::Clock& clock,
                         Check check)
    : options_(options), factory_(std::move(factory)), clock_(clock), check_(std::move(check)) {}

SessionPool::~SessionPool() {
  std::lock_guard<std::mutex> lock(mu_);
  idle_.clear();
}

common::Status SessionPool::prefill() {
  for (int i = 0; i < options_.min; ++i) {
    PooledSession session;
    try {
      session = factory_();
    } catch (const Poco::Exception& e) {
      return Error::unavailable(ErrorCode::kDependencyUnavailable,
                                "cannot open database session: " + e.displayText());
    } catch (const std::exception& e) {
      return Error::unavailable(ErrorCode::kDependencyUnavailable,
                                std::string("cannot open database session: ") + e.what());
    }
    auto now = clock_.now();
    std::lock_guard<std::mutex> lock(mu_);
    idle_.push_back({std::move(session), now, now});
    ++size_;
    ++created_total_;
  }
  return common::Ok{};
}

bool SessionPool::expired(common::SteadyTime created_at) const {
  return clock_.now() - created_at >= options_.max_lifetime;
}

bool SessionPool::answers(Poco::Data::Session& session) const {
  if (check_) return check_(session);
  try {
    int one = 0;
    session << "SELECT 1", Poco::Data::Keywords::into(one), Poco::Data::Keywords::now;
    return one == 1;
  } catch (...) {
    return false;
  }
}

void SessionPool::trimLocked(Doomed& doomed) {
  auto now = clock_.now();
  // Oldest first, so the idle limit removes the least recently used sessions.
  for (auto it = idle_.begin(); it != idle_.end();) {
    bool too_old = now - it->created_at >= options_.max_lifetime;
    bool too_idle = size_ > options_.min && now - it->last_used >= options_.idle;
    if (too_old || too_idle) {
      if (too_old) ++recycled_total_;
      doomed.push_back(std::move(it->session));
      it = idle_.erase(it);
      --size_;
    } else {
      ++it;
    }
  }
}

void SessionPool::recordWait(std::chrono::steady_clock::time_point started) {
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  wait_.record(ms);
}

common::Result<SessionLease> SessionPool::acquire(common::SteadyTime deadline) {
  const auto started = std::chrono::steady_clock::now();
  const auto budget = remainingBudget(clock_, deadline);
  const bool deadline_first = budget < options_.acquire_timeout;
  const auto wait_until =
      started + std::min<std::chrono::nanoseconds>(budget, options_.acquire_timeout);

  Doomed doomed;
  std::unique_lock<std::mutex> lock(mu_);
  // A caller whose budget is already spent gets no session even when one is free: its answer
  // could not arrive in time anyway.
  while (budget.count() > 0) {
    trimLocked(doomed);
    if (!idle_.empty()) {
      Idle entry = std::move(idle_.back());
      idle_.pop_back();
      ++in_use_;
      lock.unlock();
      doomed.clear();
      if (!options_.validate_on_borrow || answers(*entry.session)) {
        lock.lock();
        ++acquired_total_;
        recordWait(started);
        return SessionLease(this, std::move(entry.session), entry.created_at);
      }
      entry.session.reset();
      lock.lock();
      --in_use_;
      --size_;
      ++validation_failures_total_;
      continue;  // the slot is free again: take another idle session or open a new one
    }
    if (size_ < options_.max) {
      ++size_;
      ++in_use_;
      lock.unlock();
      doomed.clear();
      PooledSession session;
      std::string why;
      try {
        session = factory_();
      } catch (const Poco::Exception& e) {
        why = e.displayText();
      } catch (const std::exception& e) {
        why = e.what();
      }
      lock.lock();
      if (session == nullptr) {
        --size_;
        --in_use_;
        freed_.notify_one();
        return Error::unavailable(ErrorCode::kDependencyUnavailable,
                                  "cannot open database session: " + why);
      }
      ++created_total_;
      ++acquired_total_;
      recordWait(started);
      return SessionLease(this, std::move(session), clock_.now());
    }
    if (std::chrono::steady_clock::now() >= wait_until) break;
    ++waiting_;
    freed_.wait_until(lock, wait_until);
    --waiting_;
  }
  ++timeouts_total_;
  recordWait(started);
  if (deadline_first) {
    return Error{
        ErrorCode::kTimeout, "request deadline exceeded waiting for a database session", {}, 0};
  }
  auto retry =
      static_cast<int>(std::ceil(std::chrono::duration<double>(options_.acquire_timeout).count()));
  return Error::unavailable(ErrorCode::kDbPoolExhausted,
                            "all " + std::to_string(options_.max) +
                                " database sessions are busy; gave up after " +
                                std::to_string(options_.acquire_timeout.count()) + " ms",
                            std::max(1, retry));
}

void SessionPool::giveBack(PooledSession session, common::SteadyTime created_at, bool broken) {
  Doomed doomed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    --in_use_;
    if (broken || expired(created_at)) {
      if (!broken) ++recycled_total_;
      doomed.push_back(std::move(session));
      --size_;
    } else {
      idle_.push_back({std::move(session), created_at, clock_.now()});
    }
    trimLocked(doomed);
  }
  freed_.notify_one();
}

int SessionPool::discardIdle() {
  Doomed doomed;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& entry : idle_) doomed.push_back(std::move(entry.session));
    idle_.clear();
    size_ -= static_cast<int>(doomed.size());
    discarded_total_ += doomed.size();
  }
  // Closed outside the lock: closing a session can checkpoint the WAL.
  return static_cast<int>(doomed.size());
}

PoolStats SessionPool::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  PoolStats s;
  s.min = options_.min;
  s.max = options_.max;
  s.size = size_;
  s.in_use = in_use_;
  s.idle = static_cast<int>(idle_.size());
  s.waiting = waiting_;
  s.acquired_total = acquired_total_;
  s.timeouts_total = timeouts_total_;
  s.created_total = created_total_;
  s.recycled_total = recycled_total_;
  s.validation_failures_total = validation_failures_total_;
  s.discarded_total = discarded_total_;
  s.wait = wait_;
  return s;
}

}  // namespace cc::store
