#pragma once
// A value that a reload replaces and every request reads: reading takes no lock and touches no
// shared counter.

#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace cc::common {

/// Holds the current value (immutable once stored) and the kRetained values it replaced last.
/// get() returns a reference without a lock: each thread keeps, per Swappable, the value it
/// read last and the version it read it at, and looks again only when the version has moved.
/// The reference stays valid while the value is current or one of the kRetained replaced after
/// it, so a caller may use it for the call it is in (a pipeline stage, microseconds), never keep
/// it: a value is destroyed kRetained swaps after it stopped being current, or with the
/// Swappable. std::atomic_load on a shared_ptr takes one of a few process-wide mutexes and
/// touches the count every reader shares; under two event loops that made them wait for each
/// other. Thread-safe.
template <typename T>
class Swappable {
 public:
  static constexpr std::size_t kRetained = 2;
  static constexpr std::size_t kLooksKept = 64;

  explicit Swappable(std::shared_ptr<T> value)
      : id_(nextId()), current_(value.get()), owned_(std::move(value)) {}
  Swappable(const Swappable&) = delete;
  Swappable& operator=(const Swappable&) = delete;

  /// The current value, for the caller's call only (above).
  T& get() const {
    const uint64_t version = version_.load(std::memory_order_acquire);
    Seen& seen = seenHere();
    if (seen.version != version) {
      seen.value = current_.load(std::memory_order_acquire);
      seen.version = version;
    }
    return *seen.value;
  }
  /// Shared ownership of the current value, for a caller that keeps it (takes the mutex).
  std::shared_ptr<T> share() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return owned_;
  }
  void set(std::shared_ptr<T> value) {
    std::lock_guard<std::mutex> lock(mutex_);
    retired_.push_back(std::move(owned_));
    if (retired_.size() > kRetained) retired_.pop_front();
    owned_ = std::move(value);
    current_.store(owned_.get(), std::memory_order_release);
    version_.fetch_add(1, std::memory_order_release);
  }

 private:
  struct Seen {
    uint64_t id;
    uint64_t version;
    T* value;
  };
  static uint64_t nextId() {
    static std::atomic<uint64_t> next{1};
    return next.fetch_add(1, std::memory_order_relaxed);
  }
  // This thread's look at this Swappable; made at its first get() here (version ~0 is never
  // current, so the first look reads the value).
  Seen& seenHere() const {
    thread_local std::vector<Seen> seen;
    for (Seen& s : seen) {
      if (s.id == id_) return s;
    }
    // Looks at Swappables gone since (a test makes many) are only forgotten, not followed.
    if (seen.size() >= kLooksKept) seen.clear();
    seen.push_back({id_, ~uint64_t{0}, nullptr});
    return seen.back();
  }

  const uint64_t id_;
  std::atomic<uint64_t> version_{0};
  std::atomic<T*> current_;
  mutable std::mutex mutex_;  // set() and share()
  std::shared_ptr<T> owned_;
  std::deque<std::shared_ptr<T>> retired_;
};

}  // namespace cc::common
