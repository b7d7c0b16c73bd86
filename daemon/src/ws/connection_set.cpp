#include "ws/connection_set.h"

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

struct ConnectionSet::Connection {
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
  unsigned mode = http::Reactor::kReadable;
  bool closing_seen = false;
  bool send_shut = false;
  bool dead = false;
  common::SteadyTime close_deadline{};
  int64_t metrics_sent_at = 0;      // the sample this connection last got, never sent twice
  std::optional<CloseReason> gone;  // set when the socket failed or the peer hung up
};

ConnectionSet::ConnectionSet(http::Reactor& reactor, std::size_t loop, const HubSettings& settings,
                             const TokenValidator& validator, Hooks hooks)
    : reactor_(reactor),
      loop_(loop),
      settings_(settings),
      validator_(validator),
      hooks_(std::move(hooks)) {}

ConnectionSet::~ConnectionSet() { shutdown(); }

void ConnectionSet::start() {
  if (started_.exchange(true)) return;
  next_tick_ = now();
  next_metrics_ = now();
  tag_ = reactor_.attach(loop_, *this);
}

bool ConnectionSet::post(Task task) {
  std::lock_guard<std::mutex> lock(mutex_);
  return !finished_ && reactor_.post(loop_, std::move(task));
}

void ConnectionSet::adopt(Handoff handoff) {
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
      if (!reactor_.add(loop_, tag_, ref.socket, ref.mode)) ref.gone = CloseReason::kIoError;
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
    // The set has left its loop (the daemon is stopping): the client is told so, as those it
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

void ConnectionSet::publish(Topic topic, FramePtr frame) {
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

void ConnectionSet::shutdown() {
  if (!started_.load() || shut_.exchange(true)) return;
  const bool queued = post([this] {
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
  if (!queued) {
    finish();  // no loop runs: what is left is closed here
    return;
  }
  std::unique_lock<std::mutex> lock(mutex_);
  finished_cv_.wait(lock, [this] { return done_; });
}

void ConnectionSet::ready(int fd, unsigned events) {
  auto it = connections_.find(static_cast<poco_socket_t>(fd));
  if (it == connections_.end() || it->second->dead) return;
  Connection& c = *it->second;
  if (events & (http::Reactor::kReadable | http::Reactor::kHangUp)) onReadable(c);
  settle(c, now());
}

http::Reactor::Clock::time_point ConnectionSet::tick(http::Reactor::Clock::time_point t) {
  if (t >= next_tick_) {
    timers(t);
    next_tick_ = t + tickPeriod(settings_);
  }
  collectGarbage();
  if (stopping_ && !leaving_ && (connections_.empty() || t >= stop_deadline_)) {
    leaving_ = true;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      finished_ = true;
    }
    // After every task posted before (an adoption among them closes with 1001: stopping_).
    if (!reactor_.post(loop_, [this] { finish(); })) finish();
  }
  return stopping_ ? std::min(next_tick_, stop_deadline_) : next_tick_;
}

void ConnectionSet::finish() {
  for (auto& [fd, c] : connections_) {
    if (!c->dead) destroy(*c);
  }
  connections_.clear();
  dead_.clear();
  if (tag_ >= 0) reactor_.detach(loop_, tag_);
  std::lock_guard<std::mutex> lock(mutex_);
  finished_ = true;
  done_ = true;
  finished_cv_.notify_all();
}

void ConnectionSet::onReadable(Connection& c) {
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

void ConnectionSet::settle(Connection& c, common::SteadyTime t) {
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
    if (n <= 0) break;  // the socket buffer is full: wait until it is writable
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
  const unsigned mode = http::Reactor::kReadable | (out.empty() ? 0U : http::Reactor::kWritable);
  if (mode != c.mode) {
    c.mode = mode;
    if (!reactor_.modify(loop_, tag_, c.socket, mode)) destroy(c);
  }
}

void ConnectionSet::timers(common::SteadyTime t) {
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

void ConnectionSet::destroy(Connection& c) {
  if (c.dead) return;
  c.dead = true;
  reactor_.remove(loop_, c.socket);
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

void ConnectionSet::collectGarbage() {
  for (poco_socket_t fd : dead_) {
    auto it = connections_.find(fd);
    if (it != connections_.end() && it->second->dead) connections_.erase(it);
  }
  dead_.clear();
}

}  // namespace cc::ws
