#pragma once
// The WebSockets one reactor loop serves: parses what they send, writes their queues.

#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "http/reactor.h"
#include "ws/admission.h"
#include "ws/frame.h"
#include "ws/hub_settings.h"
#include "ws/session.h"

namespace cc::ws {

/// The latest metrics frame and the sample it came from.
struct MetricsFrame {
  int64_t sampled_at_ms = 0;
  FramePtr frame;  // null before the first sample
};

/// A socket just upgraded, with what the loop needs to serve it.
struct Handoff {
  Poco::Net::StreamSocket socket;
  std::string leftover;  // bytes the HTTP session had buffered past the handshake
  Endpoint endpoint = Endpoint::kMetrics;
  bool needs_auth = false;
  std::optional<http::Identity> identity;
  Admission::Ticket ticket;
};

/// Serves the connections handed to it on one loop of the reactor (http::Reactor, the daemon's
/// I/O threads, which the listeners' parked connections share): reads into each connection's
/// FrameParser, drives its Session, and writes its Outbox without blocking, so a slow client
/// costs memory up to its queue limit, never a thread. Other threads reach the connections only
/// through tasks posted to the loop. Metrics fan-out and the sessions' deadlines run on the
/// reactor's tick. adopt(), publish(), shutdown() and connections() are thread-safe (shutdown()
/// not on a reactor thread); everything else runs on the loop's thread.
class ConnectionSet final : private http::Reactor::Client {
 public:
  struct Hooks {
    std::function<MetricsFrame()> latest_metrics;
    /// Once per connection, when its end is decided (its close frame queued, or the socket
    /// lost); the slot is released later, when the socket is closed.
    std::function<void(Endpoint, CloseReason)> closed;
  };

  /// Serves on loop `loop` of `reactor`, which outlives it.
  ConnectionSet(http::Reactor& reactor, std::size_t loop, const HubSettings& settings,
                const TokenValidator& validator, Hooks hooks);
  ~ConnectionSet();
  ConnectionSet(const ConnectionSet&) = delete;
  ConnectionSet& operator=(const ConnectionSet&) = delete;

  void start();
  void adopt(Handoff handoff);
  /// Queues `frame` on every connection of this set subscribed to `topic`.
  void publish(Topic topic, FramePtr frame);
  /// Sends close 1001 to every connection, waits up to the close grace for the frames to go
  /// out, closes what is left and leaves the loop. Idempotent.
  void shutdown();
  int connections() const { return count_.load(); }

 private:
  struct Connection;
  using Task = std::function<void()>;

  /// Queues `task` for the loop; false (nothing queued) once the set has left it.
  bool post(Task task);
  void ready(int fd, unsigned events) override;
  http::Reactor::Clock::time_point tick(http::Reactor::Clock::time_point now) override;
  void onReadable(Connection& c);
  void settle(Connection& c, common::SteadyTime now);
  void timers(common::SteadyTime now);
  void destroy(Connection& c);
  void collectGarbage();
  /// Closes what is left and leaves the loop (on its thread, or with no thread running).
  void finish();

  http::Reactor& reactor_;
  const std::size_t loop_;
  int tag_ = -1;
  const HubSettings& settings_;
  const TokenValidator& validator_;
  Hooks hooks_;
  std::mutex mutex_;  // finished_, done_
  std::condition_variable finished_cv_;
  bool finished_ = false;  // takes no more tasks: the last one, finish(), is queued
  bool done_ = false;      // finish() has run: nothing of this set runs any more
  std::atomic<int> count_{0};
  std::atomic<bool> started_{false};
  std::atomic<bool> shut_{false};

  // Loop thread only.
  std::unordered_map<poco_socket_t, std::unique_ptr<Connection>> connections_;
  std::vector<poco_socket_t> dead_;
  bool stopping_ = false;
  bool leaving_ = false;  // finish() is queued
  common::SteadyTime stop_deadline_{};
  common::SteadyTime next_tick_{};
  common::SteadyTime next_metrics_{};
  int64_t last_metrics_sent_ = 0;
};

}  // namespace cc::ws
