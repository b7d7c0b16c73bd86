#pragma once
// One HTTP exchange with the daemon over TCP or a Unix socket, failures returned as values.

#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

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
struct HttpExchange {
  int status = 0;  // 0 when there was no answer
  std::string content_type;
  std::string body;
  TransportFailure failure = TransportFailure::kNone;
  std::string detail;  // the transport failure in words ("connection refused")
  bool answered() const { return failure == TransportFailure::kNone; }
};

using Headers = std::vector<std::pair<std::string, std::string>>;

/// Sends single requests, each on a fresh connection, with one timeout for connecting, sending
/// and receiving. Never throws. Stateless after construction; safe to share between threads.
class HttpClient {
 public:
  HttpClient(Endpoint endpoint, std::chrono::milliseconds timeout);

  HttpExchange send(const std::string& method, const std::string& target,
                    const std::string& body = {}, const Headers& headers = {}) const;

  const Endpoint& endpoint() const { return endpoint_; }
  std::chrono::milliseconds timeout() const { return timeout_; }

 private:
  Endpoint endpoint_;
  std::chrono::milliseconds timeout_;
};

}  // namespace cc::ctl::client
