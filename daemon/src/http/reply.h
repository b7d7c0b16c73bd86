#pragma once
// The value a handler or middleware answers with; the connection turns it into bytes.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"

namespace cc::http {

/// The body of a streamed reply, produced a piece at a time on the connection's thread once the
/// head has been sent, so that an answer of any size takes constant memory. Used once, by one
/// thread.
class BodyStream {
 public:
  enum class Step { kMore, kDone, kFailed };
  virtual ~BodyStream() = default;
  /// Appends the next piece of the body to `out` (possibly nothing). kDone: that was the last
  /// piece. kFailed: the body cannot be finished; the connection then closes without the last
  /// chunk, so the client can tell the body is incomplete (the status has long been sent).
  virtual Step next(std::string& out) = 0;
  /// Why next() returned kFailed, for the log.
  virtual std::string failure() const { return {}; }
};

/// How a streamed body ended, as the connection saw it.
struct StreamOutcome {
  bool complete = false;  ///< the last chunk went out
  uint64_t bytes = 0;     ///< body bytes sent, chunk framing not counted
  std::string reason;     ///< why it ended early ("client gone: ...", "server stopping"); "" if not
  bool slow_reader = false;  ///< it ended because the client read nothing for the send timeout
};

/// An HTTP answer as a plain value, so middleware (cache, deadline) can hold, copy or drop it.
/// Copies of a streamed reply share one stream, which only the connection reads.
struct Reply {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  /// The error an envelope reply carries (set by errorReply); empty for every other reply. Its
  /// string and status come from the one error table (common::codeName, common::httpStatus).
  std::optional<common::ErrorCode> error_code;
  /// When set, the body is this stream, sent with Transfer-Encoding: chunked, and `body` is
  /// unused. Such a reply is never cached, and the request deadline does not cut its body.
  std::shared_ptr<BodyStream> stream;
  /// Called once, in order, by the connection when a streamed body has ended however it ended:
  /// for stages that measure the whole answer (request metrics), since onReply sees only the head.
  std::vector<std::function<void(const StreamOutcome&)>> on_stream_end;

  static Reply json(int status, std::string body) {
    Reply r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  static Reply streamed(int status, std::string content_type, std::shared_ptr<BodyStream> body) {
    Reply r;
    r.status = status;
    r.content_type = std::move(content_type);
    r.stream = std::move(body);
    return r;
  }
  static Reply noContent() {
    Reply r;
    r.status = 204;
    r.content_type.clear();
    return r;
  }
  void setHeader(const std::string& name, std::string value) {
    for (auto& [n, v] : headers) {
      if (n == name) {
        v = std::move(value);
        return;
      }
    }
    headers.emplace_back(name, std::move(value));
  }
  const std::string* header(const std::string& name) const {
    for (const auto& [n, v] : headers) {
      if (n == name) return &v;
    }
    return nullptr;
  }
};

}  // namespace cc::http
