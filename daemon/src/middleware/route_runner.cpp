#include "middleware/route_runner.h"

#include <Poco/Exception.h>
#include <spdlog/spdlog.h>

#include <condition_variable>
#include <mutex>

#include "common/deadline.h"
#include "http/error_envelope.h"

namespace cc::middleware {
namespace {

struct PendingReply {
  std::mutex mutex;
  std::condition_variable done_cv;
  bool done = false;
  http::Reply reply;
  http::RequestContext ctx;
};

http::Reply callHandler(const http::Route& route, http::RequestContext& ctx) {
  std::string what;
  try {
    return route.handler(ctx);
  } catch (const Poco::Exception& e) {
    what = e.displayText();
  } catch (const std::exception& e) {
    what = e.what();
  }
  spdlog::error("request {} {} {} failed: {}", ctx.request_id, ctx.method, ctx.path, what);
  return http::errorReply(
      {common::ErrorCode::kInternal, "internal error; see the daemon log", {}, 0}, ctx.request_id);
}

// The cache key of a request: its path, its query and the caller's role.
std::string cacheKey(const http::RequestContext& ctx) {
  return ResponseCache::makeKey(ctx.path, ctx.raw_query,
                                ctx.identity ? ctx.identity->role : "anonymous");
}

http::Reply fromCache(const CacheLookup& lookup) {
  http::Reply reply = *lookup.response;
  reply.setHeader("X-Cache", std::string(cacheOutcomeName(lookup.outcome)));
  reply.setHeader(
      "Age", std::to_string(std::chrono::duration_cast<std::chrono::seconds>(lookup.age).count()));
  return reply;
}

}  // namespace

void RouteRunner::runOnExecutor(std::function<http::Reply()> work, const std::string& request_id,
                                std::function<void(http::Reply)> done) {
  // Shared by the task and the refusal: submit() takes the task whether it runs or not.
  auto finish = std::make_shared<std::function<void(http::Reply)>>(std::move(done));
  bool queued = executor_.submit([finish, work = std::move(work)] { (*finish)(work()); });
  if (!queued) {
    (*finish)(http::errorReply(
        common::Error::unavailable(common::ErrorCode::kUnavailable,
                                   "too many requests are waiting for the store; retry", 1),
        request_id));
  }
}

void RouteRunner::submit(http::RequestContext& ctx, const http::Route& route,
                         std::function<void(http::Reply)> done) {
  // A fresh cached answer needs nothing but memory: given at once, on the calling thread.
  if (std::optional<CacheRule> rule = ruleFor(ctx, route)) {
    if (auto hit = cache_->lookup(cacheKey(ctx), *rule)) {
      done(fromCache(*hit));
      return;
    }
  }
  // On the executor the handler runs inline (a worker would wait for the executor instead).
  runOnExecutor(
      [this, &ctx, &route] {
        return throughCache(ctx, route, [&] { return callHandler(route, ctx); });
      },
      ctx.request_id, std::move(done));
}

http::Reply RouteRunner::runWithDeadline(http::RequestContext& ctx, const http::Route& route) {
  auto pending = std::make_shared<PendingReply>();
  pending->ctx = ctx;
  pending->ctx.detachFromRequest();
  http::RequestContext& detached = pending->ctx;
  runOnExecutor([&detached, &route] { return callHandler(route, detached); }, ctx.request_id,
                [pending](http::Reply reply) {
                  std::lock_guard<std::mutex> lock(pending->mutex);
                  pending->reply = std::move(reply);
                  pending->done = true;
                  pending->done_cv.notify_all();
                });
  std::unique_lock<std::mutex> lock(pending->mutex);
  if (!pending->done_cv.wait_until(lock, ctx.deadline, [&] { return pending->done; })) {
    return http::deadlineReply(ctx);
  }
  return std::move(pending->reply);
}

http::Reply RouteRunner::execute(http::RequestContext& ctx, const http::Route& route) {
  // A bulk handler bounds each of its store calls itself; run on the executor, the whole of it
  // would be cut at the request deadline while it went on writing in the background.
  if (route.options.uses_store && !route.options.bulk) return runWithDeadline(ctx, route);
  return callHandler(route, ctx);
}

std::optional<CacheRule> RouteRunner::ruleFor(const http::RequestContext& ctx,
                                              const http::Route& route) const {
  // Bulk answers are never cached nor shared between callers: a waiter coalesced onto an export
  // would be handed the same one-use stream.
  if (!cache_ || route.options.bulk) return std::nullopt;
  return cache_->config().match(ctx.routing_method, ctx.path);
}

http::Pipeline::Pace RouteRunner::pace(const http::RequestContext& ctx,
                                       const http::Route& route) const {
  if (route.options.bulk) return http::Pipeline::Pace::kWaits;
  // A route behind a cache rule may wait for an answer another caller computes: on the
  // executor, unless submit() finds it fresh in the cache.
  if (route.options.uses_store || ruleFor(ctx, route)) return http::Pipeline::Pace::kOnExecutor;
  return http::Pipeline::Pace::kAtOnce;
}

http::Reply RouteRunner::run(http::RequestContext& ctx, const http::Route& route) {
  return throughCache(ctx, route, [&] { return execute(ctx, route); });
}

http::Reply RouteRunner::throughCache(http::RequestContext& ctx, const http::Route& route,
                                      const std::function<http::Reply()>& handler) {
  std::optional<CacheRule> rule = ruleFor(ctx, route);
  if (!rule) return handler();
  std::optional<http::Reply> uncached;
  auto lookup = cache_->getOrCompute(
      cacheKey(ctx), *rule, common::Deadline(clock_, ctx.deadline),
      [&]() -> common::Result<CachedResponse> {
        http::Reply reply = handler();
        if (reply.status < 200 || reply.status >= 300 || reply.stream) {
          // Not cacheable: this caller answers with it directly.
          uncached = reply;
          return common::Error{common::ErrorCode::kUnavailable, "uncacheable answer", {}, 0};
        }
        return reply;
      });
  if (uncached) return std::move(*uncached);
  if (!lookup) return http::errorReply(lookup.error(), ctx.request_id);
  return fromCache(*lookup);
}

}  // namespace cc::middleware
