#pragma once
// Open connections per client address, and the cap on them checked before a worker is spent.

#include <Poco/Net/IPAddress.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>

namespace cc::http {

/// Counts the connections each client address holds open and refuses one past `limit` (0: no
/// cap). The acceptor asks before it queues a connection, so a client that opens hundreds of
/// idle or slow connections is answered at once instead of occupying workers or the queue.
/// Addresses for which `exempt` answers true (trusted proxies, which carry many clients) are
/// counted but never refused. Every admitted connection must be released exactly once.
/// Thread-safe.
class ConnectionLimiter {
 public:
  using Exempt = std::function<bool(const Poco::Net::IPAddress&)>;

  explicit ConnectionLimiter(int limit = 0) : limit_(limit) {}

  void setLimit(int limit) { limit_ = limit; }
  int limit() const { return limit_.load(); }
  /// Set before the listener starts.
  void setExempt(Exempt exempt) { exempt_ = std::move(exempt); }

  /// Counts a connection from `address`; false (and nothing counted) when it already holds
  /// `limit` connections and is not exempt.
  bool tryAcquire(const Poco::Net::IPAddress& address);
  void release(const Poco::Net::IPAddress& address);

  /// Connections `address` holds open now.
  int openFrom(const Poco::Net::IPAddress& address) const;
  /// Addresses holding at least one connection.
  std::size_t clients() const;
  /// Connections refused by the cap since start.
  int64_t refused() const { return refused_.load(); }

 private:
  static std::string keyOf(const Poco::Net::IPAddress& address);

  std::atomic<int> limit_;
  Exempt exempt_;
  std::atomic<int64_t> refused_{0};
  mutable std::mutex mutex_;
  std::unordered_map<std::string, int> open_;
};

}  // namespace cc::http
