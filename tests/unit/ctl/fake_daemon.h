#pragma once
// An in-process HTTP server on port 0 (or a Unix socket) that answers like controlcenterd.

#include <Poco/Net/HTTPServer.h>

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace cc::ctl::testing {

/// One canned answer.
struct FakeAnswer {
  int status = 200;
  std::string body;
  std::string content_type = "application/json";
};

/// A request the fake saw.
struct SeenRequest {
  std::string method;
  std::string uri;
  std::string authorization;
  std::string body;
};

/// Real sockets, canned answers: answers are keyed by "METHOD /path?query"; a key given several
/// answers hands them out in order and repeats the last. Unknown keys get a 404 envelope.
/// Thread-safe.
class FakeDaemon {
 public:
  /// Listens on 127.0.0.1 port 0, or on `unix_socket` when given.
  explicit FakeDaemon(const std::string& unix_socket = {});
  ~FakeDaemon();

  /// Forgets answers, seen requests and the token (servers are slow to stop; tests reuse them).
  void reset();
  void answer(const std::string& key, FakeAnswer answer);
  void answerSequence(const std::string& key, std::vector<FakeAnswer> answers);
  /// Answers `key` with what `respond` makes of each request (for clients that send several at
  /// once, whose order of arrival is not fixed). Called under the fake's lock.
  void answerBy(const std::string& key, std::function<FakeAnswer(const SeenRequest&)> respond);
  /// Requests must carry "Authorization: Bearer <token>" or get a 401 envelope.
  void requireToken(const std::string& token);

  std::string url() const;
  std::vector<SeenRequest> seen() const;

  /// Used by the request handler.
  FakeAnswer handle(const SeenRequest& request);

 private:
  mutable std::mutex mutex_;
  std::map<std::string, std::vector<FakeAnswer>> answers_;
  std::map<std::string, std::size_t> served_;
  std::map<std::string, std::function<FakeAnswer(const SeenRequest&)>> responders_;
  std::vector<SeenRequest> seen_;
  std::string token_;
  std::string unix_socket_;
  uint16_t port_ = 0;
  std::unique_ptr<Poco::Net::HTTPServer> server_;
};

/// A 127.0.0.1 port nothing listens on (bound, then closed).
uint16_t closedPort();

}  // namespace cc::ctl::testing
