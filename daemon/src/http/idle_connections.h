#pragma once
// Keep-alive connections between requests, waiting for their next request without a worker.

#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>

namespace cc::http {

/// Holds idle keep-alive connections in one epoll set watched by one thread, so that a client
/// between requests costs a file descriptor, not a worker thread. When a parked connection has
/// bytes to read (or its peer closes), `wake` hands it back (to the worker queue); when it has
/// been idle until its deadline, or on closeAll(), `expire` gets it (to close it). Each parked
/// connection reaches exactly one of the two. Where epoll is missing park() returns false and
/// the caller keeps waiting on its worker as before. Thread-safe.
class IdleConnections {
 public:
  using Handoff = std::function<void(Poco::Net::StreamSocket&)>;

  IdleConnections(Handoff wake, Handoff expire);
  ~IdleConnections();
  IdleConnections(const IdleConnections&) = delete;
  IdleConnections& operator=(const IdleConnections&) = delete;

  /// Starts the watching thread; park() refuses until then.
  void start();
  /// Stops the thread and expires every parked connection.
  void stop();

  /// Parks `socket` (with nothing buffered for it) until readable or `idle_deadline`. False when
  /// it cannot be parked (stopped, closing, or unsupported): the caller keeps the connection.
  bool park(const Poco::Net::StreamSocket& socket,
            std::chrono::steady_clock::time_point idle_deadline);
  /// Hands back parked connections that already have a request waiting, expires the rest, and
  /// refuses further parking: for draining.
  void closeAll();
  /// Takes up to `count` parked connections, those parked longest first, and gives each to
  /// `expire` on the calling thread before returning (so their descriptors are free when it
  /// returns): room for new connections when the process runs out of descriptors. Returns how
  /// many it expired.
  std::size_t closeOldest(std::size_t count);

  /// Whether park() can work here (after start()).
  bool available() const;
  /// Connections parked now.
  std::size_t size() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cc::http
