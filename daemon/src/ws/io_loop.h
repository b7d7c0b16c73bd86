#pragma once
// One I/O thread: polls many non-blocking WebSockets, parses what they send, writes their queues.

#include <Poco/Net/DatagramSocket.h>
#include <Poco/Net/PollSet.h>
#include <Poco/Net/StreamSocket.h>

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

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

/// Serves the connections handed to it on one thread with a Poco::Net::PollSet (epoll on
/// Linux): reads into each connection's FrameParser, drives its Session, and writes its Outbox
/// without blocking, so a slow client costs memory up to its queue limit, never a thread.
/// Other threads talk to the loop only through post(), which wakes the poll through a loopback
/// datagram socket. Metrics fan-out runs on the loop's own timer. adopt(), post(), publish(),
/// shutdown() and connections() are thread-safe; everything else runs on the loop thread.
class IoLoop {
 public:
  struct Hooks {
    std::function<MetricsFrame()> latest_metrics;
    /// Once per connection, when its end is decided (its close frame queued, or the socket
    /// lost); the slot is released later, when the socket is closed.
    std::function<void(Endpoint, CloseReason)> closed;
  };

  IoLoop(const HubSettings& settings, const TokenValidator& validator, Hooks hooks);
  ~IoLoop();
  IoLoop(const IoLoop&) = delete;
  IoLoop& operator=(const IoLoop&) = delete;

  void start();
  void adopt(Handoff handoff);
  /// Queues `frame` on every connection of this loop subscribed to `topic`.
  void publish(Topic topic, FramePtr frame);
  /// Sends close 1001 to every connection, waits up to the close grace for the frames to go
  /// out, closes what is left and joins the thread.
  void shutdown();
  int connections() const { return count_.load(); }

 private:
  struct Connection;
  using Task = std::function<void()>;

  /// Queues `task` for the loop thread; false (nothing queued) once the loop has ended.
  bool post(Task task);
  void run();
  void runTasks();
  void onReadable(Connection& c);
  void settle(Connection& c, common::SteadyTime now);
  void tick(common::SteadyTime now);
  void destroy(Connection& c);
  void collectGarbage();

  const HubSettings& settings_;
  const TokenValidator& validator_;
  Hooks hooks_;
  Poco::Net::PollSet poll_set_;
  Poco::Net::DatagramSocket wake_receiver_;
  Poco::Net::DatagramSocket wake_sender_;
  std::atomic<bool> wake_pending_{false};
  std::mutex tasks_mutex_;
  std::vector<Task> tasks_;
  bool finished_ = false;  // under tasks_mutex_: the loop has ended and takes no more tasks
  std::atomic<int> count_{0};
  std::thread thread_;
  std::atomic<bool> started_{false};

  // Loop thread only.
  std::unordered_map<poco_socket_t, std::unique_ptr<Connection>> connections_;
  std::vector<poco_socket_t> dead_;
  bool stopping_ = false;
  common::SteadyTime stop_deadline_{};
  common::SteadyTime next_metrics_{};
  int64_t last_metrics_sent_ = 0;
};

}  // namespace cc::ws
