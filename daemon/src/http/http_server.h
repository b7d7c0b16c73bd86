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

#include "http/connection_limiter.h"
#include "http/pipeline.h"

namespace cc::http {

/// Listener settings; the atomics may change at run time (reload).
struct ServerSettings {
  std::string name = "http";  // for logs: "http" or "admin"
  int threads = 32;
  int queue = 1024;
  int keepalive_timeout_s = 5;
  int max_keepalive_requests = 1000;  // 0: no limit
  int header_timeout_ms = 10000;
  std::atomic<int> request_timeout_ms{10000};
  std::atomic<int64_t> max_body_bytes{1048576};
  std::atomic<bool> access_log{true};
};

/// Counters of one listener, for /admin/status and /metrics.
struct ServerStats {
  int threads_busy = 0;
  int threads_max = 0;
  int connections_current = 0;
  int connections_queued = 0;
  int64_t connections_refused = 0;             // queue full
  int64_t connections_refused_per_client = 0;  // http.max_connections_per_client
  int64_t clients_connected = 0;               // distinct addresses with a connection open
  int64_t connections_total = 0;
  int64_t requests_total = 0;
  int64_t inflight = 0;
};

/// Serves one listening socket. Unlike Poco's HTTPServer:
/// - connections past `queue` are answered at once with a 503 envelope and counted, never
///   silently dropped; a client address past its connection cap gets a 429 envelope the same
///   way, before the connection reaches the queue or a worker;
/// - a keep-alive connection gives its worker up when other connections are waiting, so a new
///   client is served promptly even when busy keep-alive clients outnumber the threads;
/// - stopAccepting() leaves the socket open (new connections wait in the kernel backlog) and
///   drain() serves what was accepted before returning.
/// Every answer, including malformed-request errors, is the JSON envelope.
/// start/stop from one thread; stats() and the setters are thread-safe.
class HttpServer {
 public:
  HttpServer(Poco::Net::ServerSocket socket, std::shared_ptr<ServerSettings> settings,
             std::shared_ptr<const Pipeline> pipeline);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();
  /// Stops taking connections off the socket; those already accepted are still served.
  void stopAccepting();
  /// From now on keep-alive connections close after their current request.
  void setDraining() { draining_ = true; }
  /// Waits until no connection is queued or being served, at most `grace`. True when idle.
  bool drain(std::chrono::milliseconds grace);
  /// Stops the workers; connections still open are closed.
  void stop();

  ServerStats stats() const;
  /// "127.0.0.1:8080" as bound.
  std::string boundAddress() const;
  Poco::Net::ServerSocket& socket() { return socket_; }
  ServerSettings& settings() { return *settings_; }
  ConnectionLimiter& connectionLimiter() { return limiter_; }

  // Used by connections.
  const Pipeline& pipeline() const { return *pipeline_; }
  Poco::Net::HTTPServerParams::Ptr sessionParams() const { return session_params_; }
  bool draining() const { return draining_; }
  int queued() const { return dispatcher_->queuedConnections(); }
  void countRequest() { ++requests_total_; }
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

 private:
  void acceptLoop();
  void refuse(Poco::Net::StreamSocket& socket, int status, std::string_view reason,
              std::string_view code, const std::string& message);

  Poco::Net::ServerSocket socket_;
  std::shared_ptr<ServerSettings> settings_;
  std::shared_ptr<const Pipeline> pipeline_;
  Poco::Net::HTTPServerParams::Ptr session_params_;
  std::unique_ptr<Poco::ThreadPool> pool_;
  Poco::Net::TCPServerDispatcher* dispatcher_ = nullptr;  // reference-counted by Poco
  std::thread acceptor_;
  std::atomic<bool> accepting_{false};
  std::atomic<bool> draining_{false};
  std::atomic<int64_t> refused_{0};
  std::atomic<int64_t> requests_total_{0};
  std::atomic<int64_t> inflight_{0};
  std::mutex deadlines_mutex_;
  std::map<poco_socket_t, std::chrono::steady_clock::time_point> header_deadlines_;
  ConnectionLimiter limiter_;
  std::mutex peers_mutex_;
  // Keyed by the socket object, which lives until its last holder lets go, so a key cannot be
  // reused while an entry still names it (a file descriptor can be, as soon as it is closed).
  std::map<const Poco::Net::SocketImpl*, Poco::Net::IPAddress> peers_;
};

}  // namespace cc::http
