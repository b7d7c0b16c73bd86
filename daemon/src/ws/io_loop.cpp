#include "ws/io_loop.h"

#include <Poco/Exception.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/SocketDefs.h>

#include <algorithm>

namespace cc::ws {
namespace {

#ifdef MSG_NOSIGNAL
constexpr int kSendFlags = MSG_NOSIGNAL;  // a peer that vanished must not raise SIGPIPE
#else
constexpr int kSendFlags = 0;
#endif
constexpr std::size_t kReadChunk = 16384;
constexpr int kReadsPerWake = 4;  // then other connections get their turn

common::SteadyTime now() { return std::chrono::steady_clock::now(); }

// Poco 1.11 returns -1 for a non-blocking receive that would block but throws for a send.
bool wouldBlock(const Poco::Exception& e) {
  return e.code() == POCO_EAGAIN || e.code() == POCO_EWOULDBLOCK ||
         dynamic_cast<const Poco::TimeoutException*>(&e) != nullptr;
}

// Fine enough for the shortest deadline the settings ask for, coarse enough to idle cheaply.
std::chrono::milliseconds tickPeriod(const HubSettings& s) {
  auto shortest = std::min({s.auth_timeout, s.ping_interval, s.metrics_interval});
  return std::clamp(shortest / 4, std::chrono::milliseconds(10), std::chrono::milliseconds(250));
}

}  // namespace

struct IoLoop::Connection {
  Connection(Handoff h, const HubSettings& settings, const TokenValidator& validator)
      : socket(std::move(h.socket)),
        fd(socket.impl()->sockfd()),
        parser(settings.max_message_bytes),
        session(settings, h.endpoint, h.needs_auth, std::move(h.identity), &validator, now()),
        ticket(std::move(h.ticket)),
        leftover(std::move(h.leftover)) {}

  Poco::Net::StreamSocket socket;
  poco_socket_t fd;
  FrameParser parser;
  Session session;
  Admission::Ticket ticket;
  std::string leftover;
  int mode = Poco::Net::PollSet::POLL_READ;
  bool closing_seen = false;
  bool send_shut = false;
  bool dead = false;
  common::SteadyTime close_deadline{};
  int64_t metrics_sent_at = 0;      // the sample this connection last got, never sent twice
  std::optional<CloseReason> gone;  // set when the socket failed or the peer hung up
};

IoLoop::IoLoop(const HubSettings& settings, const TokenValidator& validator, Hooks hooks)
    : settings_(settings), validator_(validator), hooks_(std::move(hooks)) {
  wake_receiver_.bind(Poco::Net::SocketAddress("127.0.0.1", 0));
  wake_receiver_.setBlocking(false);
  wake_sender_.connect(wake_receiver_.address());
  wake_sender_.setBlocking(false);
  poll_set_.add(wake_receiver_, Poco::Net::PollSet::POLL_READ);
}

IoLoop::~IoLoop() { shutdown(); }

void IoLoop::start() {
  if (started_.exchange(true)) return;
  thread_ = std::thread([this] { run(); });
}

bool IoLoop::post(Task task) {
  {
    std::lock_guard<std::mutex> lock(tasks_mutex_);
    if (finished_) return false;
    tasks_.push_back(std::move(task));
  }
  if (!wake_pending_.exchange(true)) {
    try {
      wake_sender_.sendBytes("w", 1);
    } catch (const Poco::Exception&) {
      // A full datagram buffer means a wake-up is already pending.
    }
  }
  return true;
}

void IoLoop::adopt(Handoff handoff) {
  ++count_;
  auto shared = std::make_shared<Handoff>(std::move(handoff));
  const bool queued = post([this, shared] {
    collectGarbage();  // a closed connection's descriptor may have been reused by this one
    auto c = std::make_unique<Connection>(std::move(*shared), settings_, validator_);
    Connection& ref = *c;
    if (stopping_) ref.session.close(CloseReason::kShutdown, "server shutting down");
    connections_.emplace(ref.fd, std::move(c));
    try {
      ref.socket.setBlocking(false);
      poll_set_.add(ref.socket, ref.mode);
    } catch (const Poco::Exception&) {
      ref.gone = CloseReason::kIoError;
    }
    if (!ref.leftover.empty()) {
      ref.parser.append(ref.leftover.data(), ref.leftover.size());
      ref.leftover.clear();
      onReadable(ref);  // parses what is buffered, then reads the socket
    }
    settle(ref, now());
  });
  if (!queued) {
    // The loop has ended (the daemon is stopping): the client is told so, as those the loop
    // served were, instead of a connection dropped without a close frame.
    --count_;
    FramePtr bye = closeFrame(close_code::kGoingAway, "server shutting down");
    try {
      shared->socket.sendBytes(bye->data(), static_cast<int>(bye->size()));
      shared->socket.shutdownSend();
    } catch (const Poco::Exception&) {
      // Gone already: nothing is owed.
    }
    shared->socket.close();
  }
}

void IoLoop::publish(Topic topic, FramePtr frame) {
  post([this, topic, frame = std::move(frame)] {
    auto t = now();
    for (auto& [fd, c] : connections_) {
      if (c->dead) continue;
      c->session.deliver(topic, frame);
      settle(*c, t);
    }
    collectGarbage();
  });
}

void IoLoop::shutdown() {
  if (!started_.load()) return;
  if (thread_.joinable()) {
    post([this] {
      stopping_ = true;
      stop_deadline_ = now() + settings_.close_grace;
      auto t = now();
      for (auto& [fd, c] : connections_) {
        if (c->dead) continue;
        c->session.close(CloseReason::kShutdown, "server shutting down", true);
        settle(*c, t);
      }
      collectGarbage();
    });
    thread_.join();
  }
}

void IoLoop::runTasks() {
  char buf[64];
  try {
    while (wake_receiver_.receiveBytes(buf, sizeof buf) > 0) {
    }
  } catch (const Poco::Exception&) {
    // Nothing left to drain.
  }
  // Only now: a post() after this sends a fresh wake-up. Clearing the flag before the drain
  // could swallow that wake-up and leave the flag set for good, and every later task unrun.
  wake_pending_.store(false);
  std::vector<Task> tasks;
  {
    std::lock_guard<std::mutex> lock(tasks_mutex_);
    tasks.swap(tasks_);
  }
  for (auto& task : tasks) task();
}

void IoLoop::run() {
  const auto period = tickPeriod(settings_);
  auto next_tick = now() + period;
  next_metrics_ = now();
  while (true) {
    auto wait = std::chrono::duration_cast<std::chrono::microseconds>(next_tick - now());
    if (wait.count() < 0) wait = std::chrono::microseconds(0);
    Poco::Net::PollSet::SocketModeMap ready;
    try {
      ready = poll_set_.poll(Poco::Timespan(wait.count()));
    } catch (const Poco::Exception&) {
      // EINTR and friends: the next round polls again.
    }
    for (const auto& [socket, mode] : ready) {
      if (socket == wake_receiver_) {
        runTasks();
        continue;
      }
      auto it = connections_.find(socket.impl()->sockfd());
      if (it == connections_.end() || it->second->dead) continue;
      Connection& c = *it->second;
      if (mode & (Poco::Net::PollSet::POLL_READ | Poco::Net::PollSet::POLL_ERROR)) onReadable(c);
      settle(c, now());
    }
    auto t = now();
    if (t >= next_tick) {
      tick(t);
      next_tick = t + period;
    }
    collectGarbage();
    if (stopping_ && (connections_.empty() || t >= stop_deadline_)) break;
  }
  // Tasks posted after the last wake-up: an adoption among them closes with 1001 (stopping_),
  // its close frame written now; from here on post() refuses.
  std::vector<Task> late;
  {
    std::lock_guard<std::mutex> lock(tasks_mutex_);
    finished_ = true;
    late.swap(tasks_);
  }
  for (auto& task : late) task();
  for (auto& [fd, c] : connections_) {
    if (!c->dead) destroy(*c);
  }
  connections_.clear();
}

void IoLoop::onReadable(Connection& c) {
  char buf[kReadChunk];
  auto t = now();
  for (int i = 0; i < kReadsPerWake && !c.gone; ++i) {
    int n = 0;
    try {
      n = c.socket.receiveBytes(buf, sizeof buf);
    } catch (const Poco::Exception& e) {
      if (wouldBlock(e)) break;
      c.gone = CloseReason::kIoError;
      break;
    }
    if (n < 0) break;  // nothing more for now
    if (n == 0) {
      c.gone = CloseReason::kClient;
      break;
    }
    c.parser.append(buf, static_cast<std::size_t>(n));
    while (true) {
      ParsedFrame f = c.parser.next();
      if (f.kind == ParsedFrame::Kind::kIncomplete) break;
      if (f.kind == ParsedFrame::Kind::kError) {
        // A closing connection only waits for the peer's close; garbage then is ignored.
        c.session.onParseError(f.close_code, f.error);
        break;
      }
      c.session.onFrame(f.opcode, f.payload, t);
    }
    if (static_cast<std::size_t>(n) < sizeof buf) break;
  }
}

void IoLoop::settle(Connection& c, common::SteadyTime t) {
  if (c.dead) return;
  Session& s = c.session;
  if (unsigned fresh = s.takeNewTopics(); fresh & kTopicMetrics) {
    MetricsFrame m = hooks_.latest_metrics ? hooks_.latest_metrics() : MetricsFrame{};
    if (m.frame) {
      s.deliver(kTopicMetrics, m.frame);
      c.metrics_sent_at = m.sampled_at_ms;
    }
  }
  Outbox& out = s.outbox();
  while (!c.gone && !out.empty()) {
    int n = 0;
    try {
      n = c.socket.sendBytes(out.data(),
                             static_cast<int>(std::min<std::size_t>(out.remaining(), 1 << 20)),
                             kSendFlags);
    } catch (const Poco::Exception& e) {
      if (wouldBlock(e)) break;
      c.gone = CloseReason::kIoError;
      break;
    }
    if (n <= 0) break;  // the socket buffer is full: wait for POLL_WRITE
    out.advance(static_cast<std::size_t>(n));
  }
  if (c.gone) {
    destroy(c);
    return;
  }
  if (s.closing()) {
    if (!c.closing_seen) {
      // Counted when decided, not when the socket finally goes: a slow consumer's close frame
      // may wait the whole grace behind its unread bytes.
      c.closing_seen = true;
      c.close_deadline = t + settings_.close_grace;
      if (hooks_.closed) hooks_.closed(s.endpoint(), *s.closeReason());
    }
    if (out.empty()) {
      // Our close frame is out. The client's close (or hang-up) ends it; until then keep reading
      // so that unread input does not turn our close into a reset the client may never read.
      if (s.peerClosed() || s.closeReason() == CloseReason::kShutdown) {
        destroy(c);
        return;
      }
      if (!c.send_shut) {
        c.send_shut = true;
        try {
          c.socket.shutdownSend();
        } catch (const Poco::Exception&) {
          destroy(c);
          return;
        }
      }
    }
    if (t >= c.close_deadline) {
      destroy(c);
      return;
    }
  }
  int mode = Poco::Net::PollSet::POLL_READ | (out.empty() ? 0 : Poco::Net::PollSet::POLL_WRITE);
  if (mode != c.mode) {
    c.mode = mode;
    try {
      poll_set_.update(c.socket, mode);
    } catch (const Poco::Exception&) {
      destroy(c);
    }
  }
}

void IoLoop::tick(common::SteadyTime t) {
  MetricsFrame m;
  bool fan_out = false;
  if (t >= next_metrics_) {
    next_metrics_ = t + settings_.metrics_interval;
    if (hooks_.latest_metrics) m = hooks_.latest_metrics();
    fan_out = m.frame != nullptr && m.sampled_at_ms != last_metrics_sent_;
    if (fan_out) last_metrics_sent_ = m.sampled_at_ms;
  }
  for (auto& [fd, c] : connections_) {
    if (c->dead) continue;
    c->session.onTick(t);
    if (fan_out && c->metrics_sent_at != m.sampled_at_ms) {
      c->session.deliver(kTopicMetrics, m.frame);
      c->metrics_sent_at = m.sampled_at_ms;
    }
    settle(*c, t);
  }
}

void IoLoop::destroy(Connection& c) {
  if (c.dead) return;
  c.dead = true;
  try {
    poll_set_.remove(c.socket);
  } catch (const Poco::Exception&) {
    // Not registered (adoption failed): nothing to remove.
  }
  try {
    c.socket.close();
  } catch (const Poco::Exception&) {
    // Already closed by the peer's reset.
  }
  if (!c.closing_seen && hooks_.closed) {
    hooks_.closed(c.session.endpoint(),
                  c.session.closeReason().value_or(c.gone.value_or(CloseReason::kIoError)));
  }
  c.ticket.release();
  --count_;
  dead_.push_back(c.fd);
}

void IoLoop::collectGarbage() {
  for (poco_socket_t fd : dead_) {
    auto it = connections_.find(fd);
    if (it != connections_.end() && it->second->dead) connections_.erase(it);
  }
  dead_.clear();
}

}  // namespace cc::ws
