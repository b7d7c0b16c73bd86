#pragma once
// The reactor: the daemon's I/O threads, each watching sockets and running what is posted to it.

#include <Poco/Net/Socket.h>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>

namespace cc::http {

/// A fixed set of loops, each one thread, shared by everything that waits on sockets without a
/// thread of its own: the listeners' parked connections (EventLoops) and the WebSockets
/// (ws::ConnectionSet). A loop serves clients: each watches its own sockets (add, modify,
/// remove) and is told on the loop's thread when one is ready (ready()); after every round of
/// events, posted tasks or a deadline come, every client is ticked (tick()), which does its
/// timed work and answers when it wants to be ticked next (its timer). Other threads reach a
/// loop through post() (a task run on it soon, woken cheaply) or call() (run there, waited for).
/// On Linux a loop is an epoll set woken by an eventfd; elsewhere a Poco::Net::PollSet woken by
/// a loopback datagram (the WebSockets need no more there; the listeners do not park).
/// Thread-safe, but start() and stop() are called by the owner, once each.
class Reactor {
 public:
  using Clock = std::chrono::steady_clock;
  /// What a socket is watched for and found ready for (a bit set).
  enum Event : unsigned {
    kReadable = 1,
    kWritable = 2,
    kHangUp = 4,  ///< the peer hung up, or an error (only reported, never asked for)
  };
  /// Something served by a loop. Called on its loop's thread only, never after detach().
  class Client {
   public:
    /// A socket this client added is ready for `events`. It may be one already removed in this
    /// round, or one whose descriptor was reused since: the client checks that it knows it.
    virtual void ready(int fd, unsigned events) = 0;
    /// After every round; returns when it wants the next tick at the latest.
    virtual Clock::time_point tick(Clock::time_point now) = 0;

   protected:
    virtual ~Client() = default;
  };
  struct Options {
    int loops = 1;  ///< threads (at least 1)
    /// Their priority (nice value; 0: the default). A loop does only short work that never
    /// waits, and everything it holds waits for it: above the workers it answers at once even
    /// while they are all busy. A refused priority is logged once; the loops then run at the
    /// default.
    int nice = 0;
    std::string name = "http";  ///< for the log and the priority's key (<name>.event_loop_nice)
    /// Woken, a loop waits for the running thread's turn to end (common::setThreadBatch): it
    /// then reads every request that came meanwhile in one round, instead of one a wake-up.
    bool batch = false;
  };

  explicit Reactor(Options options);
  /// Stops it.
  ~Reactor();
  Reactor(const Reactor&) = delete;
  Reactor& operator=(const Reactor&) = delete;

  /// Starts the threads. False when it cannot (no epoll set or wake-up): nothing runs then,
  /// post() refuses and call() runs on the calling thread.
  bool start();
  /// Runs what was posted before, then ends the threads; post() refuses from then on. Clients
  /// are to have finished with their loops first (what they still watch is left alone).
  void stop();
  /// Started and not stopped.
  bool running() const;
  /// How many loops there are.
  int loops() const;
  /// The loop for a descriptor, spreading a client's sockets over all of them.
  std::size_t loopOf(int fd) const;

  /// Serves `client` on loop `loop` from now on (ticked at once); returns its tag for add().
  int attach(std::size_t loop, Client& client);
  /// No call reaches the client after this returns (nor from that loop's thread after the
  /// task or callback that calls it).
  void detach(std::size_t loop, int tag);

  /// Watches `socket` for `events` (kReadable, kWritable) for client `tag` of loop `loop`.
  /// False when it cannot (the socket is then not watched).
  bool add(std::size_t loop, int tag, const Poco::Net::Socket& socket, unsigned events);
  /// Watches an added socket for `events` instead.
  bool modify(std::size_t loop, int tag, const Poco::Net::Socket& socket, unsigned events);
  /// Stops watching `socket` (nothing if it was not watched).
  void remove(std::size_t loop, const Poco::Net::Socket& socket);

  /// Runs `task` on the loop's thread soon, after the tasks posted before it. False (nothing
  /// queued) when the reactor is not running.
  bool post(std::size_t loop, std::function<void()> task);
  /// Runs `task` on the loop's thread and waits for it; on the calling thread when that is the
  /// loop's own or the reactor is not running.
  void call(std::size_t loop, const std::function<void()>& task);
  /// Whether the calling thread is loop `loop`'s.
  bool onLoop(std::size_t loop) const;

 private:
  struct Loop;
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cc::http
