#pragma once
// A stage of the request pipeline: it either lets the request continue or answers it.

#include <optional>

#include "http/reply.h"
#include "http/request_context.h"
#include "http/router.h"

namespace cc::http {

/// One check in the fixed sequence every request passes (request id, auth, rate limit, ...).
/// Implementations must be thread-safe: one instance serves all worker threads.
class Middleware {
 public:
  virtual ~Middleware() = default;
  /// Returns a reply to stop here, or nullopt to continue. `route` is null for unknown paths.
  virtual std::optional<Reply> onRequest(RequestContext& ctx, const Route* route) = 0;
  /// Sees every reply on its way out, in reverse order, for headers and counters.
  virtual void onReply(const RequestContext& /*ctx*/, Reply& /*reply*/) {}
  /// Sees, in reverse order, an answer the connection gave before the request reached the chain
  /// (a body over the limit or too slow, a malformed target), for the headers every answer must
  /// carry. onRequest never ran for it.
  virtual void onEarlyReply(const RequestContext& /*ctx*/, Reply& /*reply*/) {}
  /// Whether onRequest may wait for something outside memory for this request (a store, a
  /// shared rate-limit store): such a request is not answered on an event loop. `route` is null
  /// for unknown paths.
  virtual bool mayWait(const RequestContext& /*ctx*/, const Route* /*route*/) const {
    return false;
  }
};

}  // namespace cc::http
