#pragma once
// The event loops: keep-alive connections between requests, and the requests answered at once.

#include <Poco/Net/StreamSocket.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "http/reactor.h"

namespace cc::http {

/// The connections the reactor's loops (http::Reactor, the daemon's I/O threads, which the
/// WebSockets share) own while no worker does: a new connection until its first request, and a
/// keep-alive connection between requests, so that a client costs a file descriptor, not a thread.
/// When bytes arrive on a connection, its loop asks `serve` what to do:
/// - answer it on the loop (the request needs nothing that waits: /health, the system views, a
///   rejection): the loop writes the answer without blocking, holding what the socket does not
///   take yet until it can (back-pressure, bounded by the answer's send deadline), then keeps
///   the connection for its next request or closes it;
/// - answer it later (`kLater`: a store request whose handler runs on the executor): the
///   connection waits, watched for nothing, until complete() brings its answer (written at once
///   by the completing thread, the rest by the loop as above) or its deadline passes, when the
///   loop calls the answer's `on_deadline` (which completes it with a timeout);
/// - ask again once more has come (`kAwait`: a body still arriving), or hand it off if it has
///   not come by a deadline;
/// - hand it to a worker (`hand_off`: a large body, an upgrade, an incomplete head,
///   anything that may wait before its handler), which then owns it until it parks it again.
/// A connection idle past its deadline, one whose client reads nothing of an answer until its
/// send deadline, and every connection still held at stop() go to `expire` (to close it).
/// Each connection reaches exactly one of hand_off and expire for each time it was parked.
/// closeAll() leaves a connection waiting for its answer until complete() (it then closes);
/// stop() expires it.
/// Where epoll is missing (or the reactor does not run) park() returns false and connections
/// keep their worker, as before. Thread-safe.
class EventLoops {
 public:
  using Clock = std::chrono::steady_clock;
  /// Names a connection waiting for an answer made elsewhere (Answer::Next::kLater), for
  /// complete().
  struct Ticket {
    std::size_t loop = 0;
    int fd = -1;
    uint64_t serial = 0;
  };
  /// What the loop does with a readable connection.
  struct Answer {
    enum class Next {
      kKeep,     ///< send `out`, then wait for the next request until `idle_deadline` (with
                 ///< nothing to send and no deadline: wait as before, nothing was read)
      kClose,    ///< send `out`, then close (through `expire`, as kAnswered)
      kHandOff,  ///< nothing read: give it to a worker
      kLater,    ///< a request was taken: wait for complete() with its answer
      kAwait,    ///< nothing read: a request has begun but is not all here; ask again once
                 ///< `await_bytes` are buffered, or hand it off at `idle_deadline` if they
                 ///< have not come by then
    };
    Next next = Next::kHandOff;
    /// kLater: called on the loop once the connection waits, with the ticket complete() takes.
    std::function<void(const Ticket&)> start;
    /// kLater: called on the loop when no answer has come by `later_deadline`; it is to
    /// complete() the connection (with a timeout) unless an answer is already on its way.
    std::function<void()> on_deadline;
    Clock::time_point later_deadline{};
    std::size_t await_bytes = 0;  ///< kAwait: the whole request's size
    std::string out;
    /// Whatever must live until `out` has been sent (the answer's share of the response budget).
    std::shared_ptr<void> held;
    Clock::time_point idle_deadline{};
    Clock::time_point send_deadline{};  ///< past it with `out` unsent: expired as kSlowReader
  };
  /// Why a connection is expired.
  enum class Why {
    kIdle,        ///< no request before its idle deadline
    kSlowReader,  ///< an answer not taken by the client before its send deadline
    kAnswered,    ///< its last answer sent (Answer::Next::kClose)
    kStopping,    ///< closeAll() or stop()
  };
  using Serve = std::function<Answer(Poco::Net::StreamSocket&)>;
  /// `fresh`: parked at accept, before its first request.
  using HandOff = std::function<void(Poco::Net::StreamSocket&, bool fresh, Clock::time_point)>;
  using Expire = std::function<void(Poco::Net::StreamSocket&, bool fresh, Why)>;

  /// On `reactor`'s loops, one share of them each (the reactor outlives its started loops'
  /// stop()). hand_off gets the connection's idle deadline, which for a fresh one is its header
  /// deadline.
  EventLoops(Reactor& reactor, Serve serve, HandOff hand_off, Expire expire);
  ~EventLoops();
  EventLoops(const EventLoops&) = delete;
  EventLoops& operator=(const EventLoops&) = delete;

  /// Starts serving on the reactor's loops (if it runs); park() refuses until then.
  void start();
  /// Expires every connection held and lets go of the reactor's loops.
  void stop();

  /// Gives `socket` (nothing buffered for it outside the kernel) to a loop until readable or
  /// `idle_deadline`. `fresh`: it has sent no request yet. `answer_here`: when bytes arrive the
  /// loop asks `serve`, and keeps asking while it answers; otherwise it hands the connection off
  /// at once (a client busy with what needs a worker goes straight back to one, instead of
  /// being passed back and forth). False when it cannot (stopped, closing, or unsupported): the
  /// caller keeps the connection.
  bool park(const Poco::Net::StreamSocket& socket, Clock::time_point idle_deadline,
            bool fresh = false, bool answer_here = true);
  /// Hands connections that already have a request waiting, and new ones that have sent none
  /// yet, to `hand_off`, expires the rest (those still sending an answer once it is sent), and
  /// refuses further parking: for draining.
  void closeAll();
  /// Takes up to `count` idle keep-alive connections (not new ones, which have not sent their
  /// first request yet), those parked longest first, and gives each to
  /// `expire` on the calling thread before returning (so their descriptors are free when it
  /// returns): room for new connections when the process runs out of descriptors. Returns how
  /// many it expired.
  std::size_t closeOldest(std::size_t count);

  /// Gives a connection waiting for it (Answer::Next::kLater) its answer, `out` sent at once on
  /// the calling thread as far as the socket takes it without blocking, the rest by its loop;
  /// then the connection waits for its next request or closes, as for an answer made on the
  /// loop. `expire` may run on the calling thread. False when the ticket names no waiting
  /// connection any more (stop() expired it): the answer is dropped.
  bool complete(const Ticket& ticket, Answer answer);
  /// Connections waiting for complete().
  std::size_t waiting() const;

  /// Whether park() can work here (after start()).
  bool available() const;
  /// Connections held now.
  std::size_t size() const;
  /// How many loops there are (the reactor's).
  int loops() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cc::http
