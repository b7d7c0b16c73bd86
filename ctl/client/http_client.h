#pragma once
// One HTTP exchange with the daemon over TCP or a Unix socket, failures returned as values.

#include <chrono>
#include <cstdint>
#include <functional>
#include <istream>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace Poco::Net {
class StreamSocket;
}  // namespace Poco::Net

namespace cc::ctl::client {

/// Where an API listens: `http://host:port` or `unix:/path/to.sock`. A plain value type.
struct Endpoint {
  enum class Kind { kTcp, kUnix };
  Kind kind = Kind::kTcp;
  std::string host;
  uint16_t port = 0;
  std::string socket_path;
  std::string text;  // as written by the user, for messages

  /// Parses the text; the error names what is wrong (https, missing host, bad port).
  static common::Result<Endpoint> parse(const std::string& text);
};

/// Why no answer came back.
enum class TransportFailure { kNone, kRefused, kTimeout, kDns, kOther };

/// The raw outcome of one request: an answer (any status) or a transport failure.
using Headers = std::vector<std::pair<std::string, std::string>>;
/// The first value of header `name` (case-insensitive), or "".
std::string findHeader(const Headers& headers, const std::string& name);

struct HttpExchange {
  int status = 0;  // 0 when there was no answer
  std::string content_type;
  std::string body;
  Headers headers;  // of the answer
  TransportFailure failure = TransportFailure::kNone;
  std::string detail;  // the transport failure in words ("connection refused")
  /// receive() only: why a 2xx body did not arrive whole ("" when it did). The daemon ends a
  /// streamed body it cannot finish without its last chunk, so this is how its failure shows.
  std::string body_problem;
  bool answered() const { return failure == TransportFailure::kNone; }
  std::string header(const std::string& name) const { return findHeader(headers, name); }
};

/// Where receive() hands a 2xx answer: its head first, then its body a piece at a time.
struct BodySink {
  std::function<void(const HttpExchange& head)> head;  // may be empty
  /// Returns false to stop (the output cannot be written); the exchange then fails.
  std::function<bool(const char* data, std::size_t size)> data;
};

/// Copies a chunked body from `in` (just past the head) to `data`, through its last chunk and
/// trailer. Error::badRequest when it ends early or is not chunked framing, or when `data`
/// returns false. Exposed for tests.
common::Status copyChunkedBody(std::istream& in,
                               const std::function<bool(const char*, std::size_t)>& data);

/// Sends single requests, each on a fresh connection, with one timeout for connecting, sending
/// and receiving. Never throws. Stateless after construction; safe to share between threads.
class HttpClient {
 public:
  HttpClient(Endpoint endpoint, std::chrono::milliseconds timeout);

  /// A request with `body` (Content-Type application/json unless `headers` name one), answered
  /// in full into the exchange.
  HttpExchange send(const std::string& method, const std::string& target,
                    const std::string& body = {}, const Headers& headers = {}) const;
  /// A request without a body whose 2xx answer goes to `sink` as it arrives, in constant memory
  /// (framed by chunks, Content-Length or the connection's end; the timeout bounds each read, not
  /// the whole). Other answers come back in `body` as from send().
  HttpExchange receive(const std::string& method, const std::string& target, const Headers& headers,
                       const BodySink& sink) const;

  const Endpoint& endpoint() const { return endpoint_; }
  std::chrono::milliseconds timeout() const { return timeout_; }

 private:
  // Connects a socket with the timeouts set; false (with `out` saying why) when it cannot.
  bool connect(Poco::Net::StreamSocket& socket, HttpExchange& out) const;

  Endpoint endpoint_;
  std::chrono::milliseconds timeout_;
};

}  // namespace cc::ctl::client
