#pragma once
// What a reactor loop waits on: the platform's readiness set and its wake-up (inside Reactor).

#include <Poco/Net/Socket.h>

#include <chrono>
#include <memory>
#include <vector>

namespace cc::http {

/// One loop's set of watched sockets, each with its client's tag, and a wake-up other threads
/// can send. Reports Reactor::Event bits. add(), modify(), remove() and wake() are
/// thread-safe; wait() is called by the loop's thread only.
class ReactorPoller {
 public:
  struct Ready {
    int tag;
    int fd;
    unsigned events;
  };
  ReactorPoller();
  ~ReactorPoller();
  ReactorPoller(const ReactorPoller&) = delete;
  ReactorPoller& operator=(const ReactorPoller&) = delete;

  /// False when the set or the wake-up cannot be made.
  bool open();
  /// Ends a wait() in progress, or the next one, at once.
  void wake();
  /// Waits up to `timeout` for ready sockets or a wake-up (consumed here, not reported) and
  /// appends what is ready to `out`.
  void wait(std::chrono::milliseconds timeout, std::vector<Ready>& out);
  bool add(int tag, const Poco::Net::Socket& socket, unsigned events);
  bool modify(int tag, const Poco::Net::Socket& socket, unsigned events);
  void remove(const Poco::Net::Socket& socket);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace cc::http
