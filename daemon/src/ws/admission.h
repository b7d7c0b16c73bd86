#pragma once
// Counting WebSocket connections against the total and per-client caps.

#include <array>
#include <map>
#include <mutex>
#include <string>

#include "common/result.h"
#include "ws/session.h"

namespace cc::ws {

/// Decides whether one more WebSocket may open, and counts open ones per endpoint and per
/// client address. An admitted connection holds a Ticket; dropping the ticket gives its slot
/// back. Refusals are values: 503 unavailable past `max_total` (or once closed for shutdown),
/// 429 rate_limited past `max_per_client`. Thread-safe; tickets must not outlive it.
class Admission {
 public:
  Admission(int max_total, int max_per_client)
      : max_total_(max_total), max_per_client_(max_per_client) {}
  Admission(const Admission&) = delete;
  Admission& operator=(const Admission&) = delete;

  /// A counted slot; move-only, released on destruction.
  class Ticket {
   public:
    Ticket() = default;
    Ticket(Ticket&& other) noexcept { *this = std::move(other); }
    Ticket& operator=(Ticket&& other) noexcept;
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    ~Ticket() { release(); }
    void release();
    Endpoint endpoint() const { return endpoint_; }

   private:
    friend class Admission;
    Ticket(Admission* owner, Endpoint endpoint, std::string client)
        : owner_(owner), endpoint_(endpoint), client_(std::move(client)) {}
    Admission* owner_ = nullptr;
    Endpoint endpoint_ = Endpoint::kMetrics;
    std::string client_;
  };

  common::Result<Ticket> admit(Endpoint endpoint, const std::string& client);
  /// Every later admit is refused with 503 (the hub is shutting down).
  void close();

  int current(Endpoint endpoint) const;
  int total() const;
  int ofClient(const std::string& client) const;

 private:
  void release(Endpoint endpoint, const std::string& client);

  const int max_total_;
  const int max_per_client_;
  mutable std::mutex mutex_;
  bool closed_ = false;
  int total_ = 0;
  std::array<int, 2> per_endpoint_{};
  std::map<std::string, int> per_client_;
};

}  // namespace cc::ws
