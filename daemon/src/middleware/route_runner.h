#pragma once
// Runs a route's handler within the request's deadline, through the response cache.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/task_executor.h"
#include "http/pipeline.h"
#include "http/reply.h"
#include "http/request_context.h"
#include "http/router.h"
#include "middleware/response_cache.h"

namespace cc::middleware {

/// The last step of the pipeline. Store-backed handlers run on the executor while the
/// connection's thread waits until the request's deadline: past it the client gets 504
/// `timeout` at once, and the abandoned handler finishes in the background (its store calls
/// honour the same deadline) without touching the answered response. In-memory handlers run
/// inline, and so do bulk routes (RouteOptions::bulk), which bound each store call themselves.
/// GET routes named by a cache rule go through the ResponseCache (single-flight per key; X-Cache
/// and Age headers), except bulk routes and streamed answers, which are never cached.
/// Thread-safe.
class RouteRunner {
 public:
  RouteRunner(common::TaskExecutor& executor, std::shared_ptr<ResponseCache> cache,
              const common::Clock& clock)
      : executor_(executor), cache_(std::move(cache)), clock_(clock) {}

  http::Reply run(http::RequestContext& ctx, const http::Route& route);
  /// How the route can be served: kWaits for a bulk one, kOnExecutor for a store route or one
  /// named by a cache rule (an entry another caller may be computing), kAtOnce otherwise.
  http::Pipeline::Pace pace(const http::RequestContext& ctx, const http::Route& route) const;
  /// For a route of pace kOnExecutor: a fresh cached answer is given to `done` at once, on the
  /// calling thread; otherwise the handler runs on the executor (through the cache, inline
  /// there) and `done` gets its reply there; when the executor's queue is full, `done` gets
  /// 503 `unavailable` at once. `ctx` must live until `done` has been called, which is exactly
  /// once, even past the request's deadline: whoever waits decides what a late reply is worth
  /// (http::deadlineReply).
  void submit(http::RequestContext& ctx, const http::Route& route,
              std::function<void(http::Reply)> done);

 private:
  http::Reply execute(http::RequestContext& ctx, const http::Route& route);
  /// The route's cache rule, if its answers may be cached (never a bulk route's).
  std::optional<CacheRule> ruleFor(const http::RequestContext& ctx, const http::Route& route) const;
  /// `handler`'s answer through the cache when the route has a rule, as is otherwise.
  http::Reply throughCache(http::RequestContext& ctx, const http::Route& route,
                           const std::function<http::Reply()>& handler);
  /// `work` on the executor, its reply to `done` there; refused, 503 to `done` at once.
  void runOnExecutor(std::function<http::Reply()> work, const std::string& request_id,
                     std::function<void(http::Reply)> done);
  http::Reply runWithDeadline(http::RequestContext& ctx, const http::Route& route);

  common::TaskExecutor& executor_;
  std::shared_ptr<ResponseCache> cache_;
  const common::Clock& clock_;
};

}  // namespace cc::middleware
