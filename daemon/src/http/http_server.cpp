#include "http/http_server.h"

#include <Poco/Net/NetException.h>
#include <Poco/Net/Socket.h>
#include <Poco/Net/TCPServerConnectionFactory.h>

#include <spdlog/spdlog.h>
#include <algorithm>
#include <utility>

#include "common/unix_address.h"
#include "http/accepted_socket.h"
#include "http/error_envelope.h"
#include "http/exchange.h"
#include "http/http_connection.h"
#include "http/loop_answer.h"

namespace cc::http {
namespace {

// Idle keep-alive connections closed each time accept runs out of descriptors: one makes room
// for the newcomer, the rest leave a little for the log, the store and the next few.
constexpr std::size_t kIdleClosedPerShed = 4;

class ConnectionFactory final : public Poco::Net::TCPServerConnectionFactory {
 public:
  explicit ConnectionFactory(HttpServer& server) : server_(server) {}
  Poco::Net::TCPServerConnection* createConnection(const Poco::Net::StreamSocket& socket) override {
    return new HttpConnection(socket, server_);
  }

 private:
  HttpServer& server_;
};

}  // namespace

HttpServer::HttpServer(Poco::Net::ServerSocket socket, std::shared_ptr<ServerSettings> settings,
                       std::shared_ptr<const Pipeline> pipeline, Reactor* reactor)
    : socket_(std::move(socket)), settings_(std::move(settings)), pipeline_(std::move(pipeline)) {
  session_params_ = new Poco::Net::HTTPServerParams;
  session_params_->setTimeout(Poco::Timespan(settings_->header_timeout_ms * 1000LL));
  session_params_->setKeepAlive(true);
  session_params_->setKeepAliveTimeout(Poco::Timespan(settings_->keepalive_timeout_s, 0));
  session_params_->setServerName("controlcenterd");
  session_params_->setSoftwareVersion(std::string("controlcenterd/") + CC_VERSION);

  Poco::Net::TCPServerParams::Ptr tcp_params = new Poco::Net::TCPServerParams;
  tcp_params->setMaxThreads(settings_->threads);
  // The acceptor enforces the queue bound itself (answering 503), so the dispatcher never
  // reaches its own silent limit, even with every worker requeuing a slow connection at once.
  // Connections coming back from the event loops are bounded by the connections open, not by
  // the queue: the dispatcher must never drop one silently.
  tcp_params->setMaxQueued(1 << 30);
  // Also bounds shutdown: a dispatcher thread that misses TCPServerDispatcher::stop()'s wake-up
  // sleeps out this idle time before it sees the stop. At 60 s a daemon once took a minute to
  // exit after SIGTERM following a load run (one dispatcher thread still waiting, all else done).
  tcp_params->setThreadIdleTime(Poco::Timespan(1, 0));
  pool_ = std::make_unique<Poco::ThreadPool>(1, settings_->threads, 60);
  dispatcher_ =
      new Poco::Net::TCPServerDispatcher(new ConnectionFactory(*this), *pool_, tcp_params);
  if (reactor == nullptr) {
    own_reactor_ = std::make_unique<Reactor>(
        Reactor::Options{settings_->event_loops, settings_->event_loop_nice, settings_->name,
                         settings_->event_loop_batch});
    reactor = own_reactor_.get();
  }
  loops_ = std::make_unique<EventLoops>(
      *reactor,
      [this](Poco::Net::StreamSocket& client) {
        EventLoops::Answer answer = answerOnLoop(client, *this);
        if (!answer.out.empty() || answer.next == EventLoops::Answer::Next::kLater) {
          ++requests_on_loops_;
        }
        return answer;
      },
      [this](Poco::Net::StreamSocket& client, bool fresh,
             std::chrono::steady_clock::time_point deadline) {
        // A new connection keeps its header deadline on the worker; a keep-alive one gets a new
        // one there, for the request that has begun to arrive.
        if (fresh) {
          requeue(client, deadline);
        } else {
          dispatcher_->enqueue(client);
        }
      },
      [this](Poco::Net::StreamSocket& client, bool fresh, EventLoops::Why why) {
        expire(client, fresh, why);
      });
}

void HttpServer::expire(Poco::Net::StreamSocket& socket, bool fresh, EventLoops::Why why) {
  if (why == EventLoops::Why::kSlowReader) {
    countSlowReader();
    spdlog::info(
        "{} listener: client read nothing of an answer for http.send_timeout_ms ({} ms); "
        "connection closed",
        settings_->name, settings_->send_timeout_ms.load());
  }
  if (fresh && why == EventLoops::Why::kIdle) {
    sendRawError(socket, common::ErrorCode::kRequestTimeout,
                 "no request received within http.header_timeout_ms");
  }
  connectionDone(socket);
  try {
    socket.shutdownSend();
  } catch (const Poco::Exception&) {
    // Already reset by the peer; closing is all that is left.
  }
  socket.close();
}

HttpServer::~HttpServer() {
  stop();
  dispatcher_->release();
}

void HttpServer::start() {
  if (own_reactor_) own_reactor_->start();
  loops_->start();
  can_park_ = loops_->available();
  accepting_ = true;
  acceptor_ = std::thread([this] { acceptLoop(); });
}

void HttpServer::setDraining() {
  draining_ = true;
  loops_->closeAll();
}

bool HttpServer::park(const Poco::Net::StreamSocket& socket, bool answer_there) {
  auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(settings_->keepalive_timeout_s);
  return can_park_ && !draining_ && loops_->park(socket, deadline, false, answer_there);
}

void HttpServer::acceptLoop() {
  // Non-blocking, so that a client gone between the wait and the accept (or one taken by the
  // reserve's accept) leaves the loop free to stop instead of blocking in accept.
  socket_.setBlocking(false);
  while (accepting_) {
    // Lent to a newcomer while out of descriptors, the reserve can come back empty-handed when
    // another thread (the host sampler reading /proc) took the freed slot first: take it again as
    // soon as there is one, or the next exhaustion leaves every newcomer waiting in the backlog.
    reserve_.acquire();
    if (int64_t left_out = accept_log_.flush(std::chrono::steady_clock::now())) {
      spdlog::warn("{} listener: accept failed {} more time(s) in the last {} s (suppressed)",
                   settings_->name, left_out, AcceptFailureLog::kInterval.count());
    }
    // Failures to wait or accept are values: the exhaustion path must not throw (with no
    // descriptor left, even the sanitizers' checks of a caught exception fail).
    int wait_error = 0;
    if (!waitForClient(socket_, 100, wait_error)) {
      if (wait_error != 0) acceptFailed(wait_error, "poll: error " + std::to_string(wait_error));
      continue;
    }
    if (!accepting_) break;
    Accepted accepted = acceptClient(socket_);
    if (!accepted.client) {
      // Nobody waiting after all (the client gave up, or the reserve's accept took it).
      if (accepted.error == POCO_EAGAIN || accepted.error == POCO_EWOULDBLOCK) continue;
      acceptFailed(accepted.error, accepted.failure);
      continue;
    }
    try {
      admit(*accepted.client, accepted.from);
    } catch (const Poco::Exception& e) {
      // The client went away while being admitted (setNoDelay or the refusal on a reset
      // socket): nothing is owed to it.
      spdlog::debug("{} listener: admitting a client failed: {}", settings_->name, e.displayText());
    }
  }
}

void HttpServer::admit(Poco::Net::StreamSocket& client, const Poco::Net::SocketAddress& from) {
  ++accepted_;
  const bool tcp = !common::isUnixAddress(from);
  if (tcp) client.setNoDelay(true);
  // Once a connection rather than once a request: it bounds every send of every answer on it.
  client.setSendTimeout(Poco::Timespan(settings_->send_timeout_ms.load() * 1000LL));
  if (tcp && !limiter_.tryAcquire(from.host())) {
    refuse(client, common::Error::unavailable(
                       common::ErrorCode::kRateLimited,
                       "too many connections from " + from.host().toString() +
                           " (http.max_connections_per_client = " +
                           std::to_string(limiter_.limit()) + "); reuse a keep-alive connection"));
    return;
  }
  if (dispatcher_->queuedConnections() >= settings_->queue) {
    if (tcp) limiter_.release(from.host());
    ++refused_;
    refuse(client, common::Error::unavailable(
                       common::ErrorCode::kUnavailable,
                       "server is at capacity (http.queue connections waiting); retry"));
    return;
  }
  {
    ConnectionRecord record;
    if (tcp) {
      record.peer = from.host();
      record.peer_ip = from.host().toString();
    }
    connections_.add(client.impl(), std::move(record));
  }
  // Its first request is awaited on an event loop, which sends 408 if none comes in time.
  const auto header_deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(settings_->header_timeout_ms);
  if (can_park_ && !draining_ && loops_->park(client, header_deadline, true)) return;
  dispatcher_->enqueue(client);
}

void HttpServer::acceptFailed(int error, const std::string& failure) {
  ++accept_failures_;
  const auto now = std::chrono::steady_clock::now();
  const bool out_of_descriptors = isDescriptorExhaustion(error);
  bool made_room = false;
  if (out_of_descriptors) {
    exhausted_at_ns_ =
        std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()).count();
    made_room = shedForDescriptors();
  }
  if (auto left_out = accept_log_.failed(now)) {
    spdlog::warn("{} listener: accept failed: {}{}{}", settings_->name, failure,
                 *left_out == 0
                     ? std::string()
                     : " (" + std::to_string(*left_out) + " more in the last " +
                           std::to_string(AcceptFailureLog::kInterval.count()) + " s suppressed)",
                 out_of_descriptors
                     ? "; out of file descriptors: closing idle keep-alive connections oldest "
                       "first, answering newcomers 503 overloaded (raise RLIMIT_NOFILE)"
                     : ", retrying");
  }
  // Nothing could be done (some other error, or no descriptor to be had): back off briefly
  // instead of spinning on the same error.
  if (!made_room) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

bool HttpServer::shedForDescriptors() {
  std::size_t closed = loops_->closeOldest(kIdleClosedPerShed);
  if (closed == 0 && room_donor_ != nullptr) {
    closed = room_donor_->loops_->closeOldest(kIdleClosedPerShed);
  }
  if (closed > 0) {
    // The next accept takes the newcomer on a freed descriptor and serves it as usual.
    idle_closed_ += static_cast<int64_t>(closed);
    return true;
  }
  if (!reserve_.release()) return false;
  bool answered = false;
  Accepted accepted = acceptClient(socket_);
  // No client: another thread took the freed descriptor first, and the caller backs off and
  // tries again.
  if (accepted.client) {
    ++shed_descriptors_;
    refuse(*accepted.client,
           common::Error::unavailable(common::ErrorCode::kOverloaded,
                                      "server is out of file descriptors; retry"));
    answered = true;
  }
  // Fails while another thread holds the freed slot; the loop takes it again later.
  reserve_.acquire();
  return answered;
}

void HttpServer::refuse(Poco::Net::StreamSocket& client, const common::Error& error) {
  // No request has been read, so there is no request id to give.
  std::string all = rawErrorResponse(error, "-", {});
  try {
    client.setBlocking(false);
    client.sendBytes(all.data(), static_cast<int>(all.size()));
    client.shutdownSend();
  } catch (const Poco::Exception&) {
    // The client may already be gone; refusing it is all that matters.
  }
  client.close();
}

void HttpServer::stopAccepting() {
  accepting_ = false;
  if (acceptor_.joinable()) acceptor_.join();
}

bool HttpServer::drain(std::chrono::milliseconds grace) {
  auto until = std::chrono::steady_clock::now() + grace;
  while (dispatcher_->queuedConnections() > 0 || dispatcher_->currentConnections() > 0 ||
         unanswered_.load() > 0) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

void HttpServer::stop() {
  stopping_ = true;
  stopAccepting();
  draining_ = true;
  // Requests whose answers the executor makes are answered by their deadlines, which the loops
  // keep: they run until then.
  while (unanswered_.load() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  loops_->stop();
  if (own_reactor_) own_reactor_->stop();
  dispatcher_->stop();
  pool_->joinAll();
}

void HttpServer::requeue(const Poco::Net::StreamSocket& socket,
                         std::chrono::steady_clock::time_point header_deadline) {
  {
    std::lock_guard<std::mutex> lock(deadlines_mutex_);
    header_deadlines_[socket.impl()->sockfd()] = header_deadline;
  }
  dispatcher_->enqueue(socket);
}

std::optional<std::chrono::steady_clock::time_point> HttpServer::takeHeaderDeadline(
    const Poco::Net::StreamSocket& socket) {
  std::lock_guard<std::mutex> lock(deadlines_mutex_);
  auto it = header_deadlines_.find(socket.impl()->sockfd());
  if (it == header_deadlines_.end()) return std::nullopt;
  auto deadline = it->second;
  header_deadlines_.erase(it);
  return deadline;
}

void HttpServer::connectionDone(const Poco::Net::StreamSocket& socket) {
  std::optional<ConnectionRecord> record = connections_.remove(socket.impl());
  if (record && record->peer) limiter_.release(*record->peer);
}

HttpServer::Arrival HttpServer::arrival(const Poco::Net::StreamSocket& socket) {
  std::optional<Arrival> known = connections_.with(
      socket.impl(), [](const ConnectionRecord* record) -> std::optional<Arrival> {
        if (record == nullptr) return std::nullopt;
        return Arrival{record->peer_ip, record->request_began};
      });
  if (known) return std::move(*known);
  return {peerIpOf(socket), std::nullopt};
}

int HttpServer::countServed(const Poco::Net::StreamSocket& socket) {
  return connections_.with(socket.impl(), [](ConnectionRecord* record) {
    if (record == nullptr) return 1;
    record->request_began.reset();
    return ++record->served;
  });
}

common::SteadyTime HttpServer::noteRequestBegan(const Poco::Net::StreamSocket& socket,
                                                common::SteadyTime now) {
  return connections_.with(socket.impl(), [now](ConnectionRecord* record) {
    if (record == nullptr) return now;
    if (!record->request_began) record->request_began = now;
    return *record->request_began;
  });
}

ServerShedding HttpServer::shedding() const {
  ServerShedding s;
  s.accept_failures = accept_failures_.load();
  s.shed_descriptors = shed_descriptors_.load();
  s.idle_closed_descriptors = idle_closed_.load();
  if (int64_t at = exhausted_at_ns_.load(); at != 0) {
    s.descriptors_exhausted_at = common::SteadyTime(
        std::chrono::duration_cast<common::SteadyTime::duration>(std::chrono::nanoseconds(at)));
  }
  s.request_memory = request_memory_.stats(settings_->max_request_bytes.load());
  s.response_memory = response_memory_.stats(settings_->max_response_bytes.load());
  return s;
}

ServerStats HttpServer::stats() const {
  ServerStats s;
  static_cast<ServerShedding&>(s) = shedding();
  s.threads_busy = dispatcher_->currentConnections();
  s.threads_max = settings_->threads;
  s.connections_current = dispatcher_->currentConnections();
  s.connections_queued = dispatcher_->queuedConnections();
  s.connections_idle = static_cast<int>(loops_->size());
  s.event_loops = can_park_ ? loops_->loops() : 0;
  s.requests_on_loops = requests_on_loops_.load();
  s.connections_refused = refused_.load();
  s.connections_refused_per_client = limiter_.refused();
  s.clients_connected = static_cast<int64_t>(limiter_.clients());
  s.connections_total = accepted_.load();
  s.requests_total = requests_total_.load();
  s.inflight = inflight_.load();
  s.slow_readers_closed = slow_readers_closed_.load();
  return s;
}

std::string HttpServer::boundAddress() const { return socket_.address().toString(); }

}  // namespace cc::http
