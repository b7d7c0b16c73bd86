#pragma once
// A thread-pooled HTTP/1.1 server with explicit admission, fair keep-alive and graceful drain.

#include <Poco/Net/HTTPServerParams.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/TCPServerDispatcher.h>
#include <Poco/ThreadPool.h>

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>

#include "common/clock.h"
#include "common/error.h"
#include "common/thread_priority.h"
#include "http/accept_failure_log.h"
#include "http/connection_limiter.h"
#include "http/connection_records.h"
#include "http/event_loops.h"
#include "http/memory_budget.h"
#include "http/pipeline.h"
#include "http/reserve_descriptor.h"

namespace cc::http {

/// Listener settings; the atomics may change at run time (reload).
struct ServerSettings {
  ServerSettings() = default;
  /// A copy, the atomics by their current value: a listener's own settings, made from the ones a
  /// configuration built.
  ServerSettings(const ServerSettings& other) { *this = other; }
  ServerSettings& operator=(const ServerSettings& other) {
    name = other.name;
    threads = other.threads;
    event_loops = other.event_loops;
    event_loop_nice = other.event_loop_nice;
    event_loop_batch = other.event_loop_batch;
    queue = other.queue;
    keepalive_timeout_s = other.keepalive_timeout_s;
    max_keepalive_requests = other.max_keepalive_requests;
    header_timeout_ms = other.header_timeout_ms;
    applyReloadable(other);
    return *this;
  }
  /// Takes the fields a reload changes (request and send timeouts, body limits, access log)
  /// from `next`;
  /// safe while connections read them.
  void applyReloadable(const ServerSettings& next) {
    request_timeout_ms = next.request_timeout_ms.load();
    send_timeout_ms = next.send_timeout_ms.load();
    max_request_bytes = next.max_request_bytes.load();
    max_response_bytes = next.max_response_bytes.load();
    max_body_bytes = next.max_body_bytes.load();
    import_max_body_bytes = next.import_max_body_bytes.load();
    access_log = next.access_log.load();
  }

  std::string name = "http";  // for logs: "http" or "admin"
  int threads = 32;
  // The reactor's loops and their priority (http.event_loops, http.event_loop_nice), for a server
  // made without a reactor to share (tests); the daemon's listeners share Services' one.
  int event_loops = 1;
  int event_loop_nice = 0;
  bool event_loop_batch = false;
  int queue = 1024;
  int keepalive_timeout_s = 5;
  int max_keepalive_requests = 1000;  // 0: no limit
  int header_timeout_ms = 10000;
  std::atomic<int> request_timeout_ms{10000};
  std::atomic<int> send_timeout_ms{10000};  // a response send with no byte read by the client
  std::atomic<int64_t> max_body_bytes{1048576};
  std::atomic<int64_t> import_max_body_bytes{int64_t{4} << 30};  // streamed bodies (import)
  std::atomic<int64_t> max_request_bytes{int64_t{32} << 20};     // bodies held by all requests
  std::atomic<int64_t> max_response_bytes{int64_t{32} << 20};    // answers not yet sent
  std::atomic<bool> access_log{true};
};

/// Counters of one listener, for /admin/status and /metrics.
/// What a listener shed to protect itself since start: read without a lock, as the overload
/// health check does at every /health.
struct ServerShedding {
  int64_t accept_failures = 0;          // accept() errors, out of descriptors included
  int64_t shed_descriptors = 0;         // answered 503 overloaded on the reserve descriptor
  int64_t idle_closed_descriptors = 0;  // idle keep-alive connections closed to make room
  std::optional<common::SteadyTime> descriptors_exhausted_at;  // the last EMFILE/ENFILE
  // Request bodies in memory (overload.max_request_bytes; refused: answered 503 overloaded, the
  // body unread) and answers waiting to be sent (overload.max_response_bytes; refused: answered
  // 503 overloaded instead of the answer built).
  BudgetStats request_memory;
  BudgetStats response_memory;
};

struct ServerStats : ServerShedding {
  int threads_busy = 0;
  int threads_max = 0;
  int connections_current = 0;      // being served by a worker
  int connections_queued = 0;       // waiting for a worker
  int connections_idle = 0;         // on an event loop: new or between requests, holding no worker
  int event_loops = 0;              // 0 where there are none (connections keep their worker)
  int64_t requests_on_loops = 0;    // answered by an event loop without a worker
  int64_t connections_refused = 0;  // queue full
  int64_t connections_refused_per_client = 0;  // http.max_connections_per_client
  int64_t clients_connected = 0;               // distinct addresses with a connection open
  int64_t connections_total = 0;               // accepted since start, refused ones included
  int64_t requests_total = 0;
  int64_t inflight = 0;
  int64_t slow_readers_closed = 0;  // read nothing of a response for http.send_timeout_ms
};

/// Serves one listening socket. Unlike Poco's HTTPServer:
/// - connections past `queue` are answered at once with a 503 envelope and counted, never
///   silently dropped; a client address past its connection cap gets a 429 envelope the same
///   way, before the connection reaches the queue or a worker;
/// - a new connection, and a keep-alive one between requests, holds no worker: it waits on the
///   EventLoops, on the reactor's few loops (http.event_loops), which answer what needs nothing but
///   memory themselves
///   (/health, the system views, rejections: answerOnLoop) and hand the rest to the worker
///   queue, so idle and quick clients cost no thread, and a busy one keeps its worker only for
///   a short slice while others wait;
/// - out of file descriptors (EMFILE/ENFILE), it closes idle keep-alive connections, oldest
///   first, to make room; with none idle it accepts the newcomer on a reserved descriptor,
///   answers 503 `overloaded` and closes, so no client waits in the backlog for an answer; the
///   failures are logged at most once an interval (AcceptFailureLog), with a count;
/// - stopAccepting() leaves the socket open (new connections wait in the kernel backlog) and
///   drain() serves what was accepted before returning.
/// Every answer, including malformed-request errors, is the JSON envelope.
/// start/stop from one thread; stats() and the setters are thread-safe.
class HttpServer {
 public:
  /// Parks connections on `reactor`'s loops, which outlive its stop(); without one, on a
  /// reactor of its own (`event_loops` threads), started and stopped with it.
  HttpServer(Poco::Net::ServerSocket socket, std::shared_ptr<ServerSettings> settings,
             std::shared_ptr<const Pipeline> pipeline, Reactor* reactor = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();
  /// Stops taking connections off the socket; those already accepted are still served.
  void stopAccepting();
  /// From now on keep-alive connections close after their current request; idle ones close
  /// now (those with a request already sent are served first).
  void setDraining();
  /// Waits until no connection is queued or being served, at most `grace`. True when idle.
  bool drain(std::chrono::milliseconds grace);
  /// Stops the workers; connections still open are closed, and streamed bodies still being
  /// sent end at their next piece (stopping() turns true first).
  void stop();

  ServerStats stats() const;
  /// The shedding part of stats(), without taking a lock.
  ServerShedding shedding() const;
  /// "127.0.0.1:8080" as bound.
  std::string boundAddress() const;
  Poco::Net::ServerSocket& socket() { return socket_; }
  ServerSettings& settings() { return *settings_; }
  ConnectionLimiter& connectionLimiter() { return limiter_; }
  /// Out of descriptors, this listener also closes `other`'s idle keep-alive connections (the
  /// limit is the process's: the admin listener must get room from the public one's). Call
  /// before start(); `other` must outlive this server's acceptor.
  void takeRoomFrom(HttpServer& other) { room_donor_ = &other; }

  // Used by connections.
  const Pipeline& pipeline() const { return *pipeline_; }
  Poco::Net::HTTPServerParams::Ptr sessionParams() const { return session_params_; }
  bool draining() const { return draining_; }
  /// stop() has begun: a streamed body ends without its last chunk instead of holding a worker
  /// that stop() waits for.
  bool stopping() const { return stopping_; }
  int queued() const { return dispatcher_->queuedConnections(); }
  void countRequest() { ++requests_total_; }
  /// What the record made at accept says of a connection's next request, in one look: the
  /// client's address ("local" on a Unix-domain socket), and when the request began to arrive
  /// if a loop waited for the rest of it (noteRequestBegan): its budget counts from then,
  /// whoever serves it.
  struct Arrival {
    std::string peer_ip;
    std::optional<common::SteadyTime> began;
  };
  Arrival arrival(const Poco::Net::StreamSocket& socket);
  /// Counts a connection closed because its client read nothing of a response for
  /// http.send_timeout_ms.
  void countSlowReader() { ++slow_readers_closed_; }
  /// Bytes of request bodies held in memory by this listener's requests.
  MemoryBudget& requestMemory() { return request_memory_; }
  MemoryBudget& responseMemory() { return response_memory_; }
  std::atomic<int64_t>& inflight() { return inflight_; }
  /// Puts a connection whose request headers are still incomplete back at the end of the
  /// queue, remembering its header deadline, so that slow senders cannot hold every worker.
  void requeue(const Poco::Net::StreamSocket& socket,
               std::chrono::steady_clock::time_point header_deadline);
  /// The header deadline a requeued connection was given; nullopt for a new connection.
  std::optional<std::chrono::steady_clock::time_point> takeHeaderDeadline(
      const Poco::Net::StreamSocket& socket);
  /// The connection is finished with (closed, or handed to another owner such as the WebSocket
  /// hub): its client address no longer holds it. Call once, while the socket is still held.
  void connectionDone(const Poco::Net::StreamSocket& socket);
  /// Counts a request served (taken whole) on the connection, forgetting when it began;
  /// returns how many it has served in all.
  int countServed(const Poco::Net::StreamSocket& socket);
  /// Notes that the connection's request has begun to arrive, keeping the first time noted
  /// until countServed(); returns that time.
  common::SteadyTime noteRequestBegan(const Poco::Net::StreamSocket& socket,
                                      common::SteadyTime now);
  /// Lets an idle keep-alive connection (nothing buffered) wait for its next request on an event
  /// loop, without a worker; false when it cannot (the caller then keeps waiting itself).
  /// `answer_there`: the loop answers what it can itself (EventLoops::park).
  bool park(const Poco::Net::StreamSocket& socket, bool answer_there);
  bool canPark() const { return can_park_; }
  EventLoops& loops() { return *loops_; }
  /// The priority of the thread that made this server, which its workers run at.
  const common::ThreadPriority& workerPriority() const { return worker_priority_; }
  /// A request an event loop took whose answer comes from the executor (answerOnLoop), and its
  /// answer sent or dropped: drain() and stop() wait for every such request to be answered,
  /// which its deadline bounds.
  void laterBegun() { ++unanswered_; }
  void laterAnswered() { --unanswered_; }

 private:
  void acceptLoop();
  /// Counts, logs (at most once every AcceptFailureLog::kInterval) and, when out of
  /// descriptors, makes room; `error` is the errno, `failure` its text for the log.
  void acceptFailed(int error, const std::string& failure);
  /// Hands an accepted client to a connection thread, or refuses it at once (per-client cap,
  /// full queue). Throws Poco::Exception when the client is already gone.
  void admit(Poco::Net::StreamSocket& client, const Poco::Net::SocketAddress& from);
  bool shedForDescriptors();
  /// Answers `error` on a client no connection has taken yet, then closes it.
  void refuse(Poco::Net::StreamSocket& socket, const common::Error& error);
  /// What an event loop does with a connection it gives up (EventLoops::Expire).
  void expire(Poco::Net::StreamSocket& socket, bool fresh, EventLoops::Why why);

  Poco::Net::ServerSocket socket_;
  std::shared_ptr<ServerSettings> settings_;
  std::shared_ptr<const Pipeline> pipeline_;
  Poco::Net::HTTPServerParams::Ptr session_params_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  Poco::Net::TCPServerDispatcher* dispatcher_ = nullptr;  // reference-counted by Poco
  std::thread acceptor_;
  std::atomic<bool> accepting_{false};
  std::atomic<bool> draining_{false};
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> refused_{0};
  std::atomic<int64_t> accepted_{0};
  std::atomic<int64_t> requests_total_{0};
  std::atomic<int64_t> inflight_{0};
  std::atomic<int64_t> accept_failures_{0};
  std::atomic<int64_t> shed_descriptors_{0};
  std::atomic<int64_t> idle_closed_{0};
  std::atomic<int64_t> slow_readers_closed_{0};
  MemoryBudget request_memory_;
  MemoryBudget response_memory_;
  std::atomic<int64_t> exhausted_at_ns_{0};  // steady clock; 0: never
  // Both used by the acceptor thread only.
  ReserveDescriptor reserve_;
  AcceptFailureLog accept_log_;
  std::mutex deadlines_mutex_;
  std::map<poco_socket_t, std::chrono::steady_clock::time_point> header_deadlines_;
  ConnectionLimiter limiter_;
  ConnectionRecords connections_;
  std::atomic<int64_t> requests_on_loops_{0};
  std::atomic<int64_t> unanswered_{0};    // see laterBegun()
  std::unique_ptr<Reactor> own_reactor_;  // without a reactor given; before loops_, which use it
  std::unique_ptr<EventLoops> loops_;
  bool can_park_ = false;
  HttpServer* room_donor_ = nullptr;
  const common::ThreadPriority worker_priority_ = common::ThreadPriority::ofThisThread();
};

}  // namespace cc::http
