#include "http/pipeline.h"

#include <Poco/Exception.h>
#include <spdlog/spdlog.h>

#include "http/error_envelope.h"
#include "http/memory_budget.h"

namespace cc::http {

Reply Pipeline::dispatch(RequestContext& ctx) const {
  RouteMatch match = router_->match(ctx.method, ctx.path);
  if (match.route != nullptr) {
    ctx.route = match.route->pattern;
    ctx.path_params = std::move(match.params);
    // A route may carry its own budget (a backup takes longer than a read).
    if (match.route->options.timeout_ms) {
      ctx.budget = std::chrono::milliseconds(*match.route->options.timeout_ms);
      ctx.deadline = ctx.started + ctx.budget;
    }
  }
  std::size_t ran = 0;
  std::optional<Reply> early;
  for (; ran < middleware_.size() && !early; ++ran) {
    early = middleware_[ran]->onRequest(ctx, match.route);
  }
  Reply reply;
  if (early) {
    reply = std::move(*early);
  } else if (match.options_request) {
    reply = Reply::noContent();
    reply.setHeader("Allow", match.allow);
  } else if (match.status == 404) {
    reply = errorReply({common::ErrorCode::kNotFound, "no route for " + ctx.path, {}, 0},
                       ctx.request_id);
  } else if (match.status == 405) {
    reply = errorReply({common::ErrorCode::kMethodNotAllowed,
                        ctx.method + " is not allowed on " + ctx.path + "; allowed: " + match.allow,
                        {},
                        0},
                       ctx.request_id);
    reply.setHeader("Allow", match.allow);
  } else {
    reply = invoker_ ? invoker_(ctx, *match.route) : match.route->handler(ctx);
  }
  holdForSending(ctx, reply);
  while (ran > 0) middleware_[--ran]->onReply(ctx, reply);
  return reply;
}

void Pipeline::holdForSending(const RequestContext& ctx, Reply& reply) {
  // A streamed body is produced a chunk at a time as it is sent: it holds no more than a chunk.
  if (ctx.reply_memory == nullptr || reply.stream) return;
  if (ctx.reply_memory->holdUpTo(static_cast<int64_t>(reply.body.size()))) return;
  // The answer built goes now instead of waiting, whole, for a client that may read slowly;
  // the middleware on the way out sees (and counts) what is sent instead.
  reply = errorReply(
      common::Error::unavailable(common::ErrorCode::kOverloaded,
                                 "answers waiting to be sent are at overload.max_response_bytes (" +
                                     std::to_string(ctx.reply_memory->limit()) + " bytes); retry"),
      ctx.request_id);
}

bool Pipeline::answersAtOnce(const RequestContext& ctx) const {
  RouteMatch match = router_->match(ctx.method, ctx.path);
  const Route* route = match.route;
  if (route != nullptr) {
    const RouteOptions& o = route->options;
    if (o.uses_store || o.bulk || o.streams_body) return false;
  }
  for (const auto& stage : middleware_) {
    if (stage->mayWait(ctx, route)) return false;
  }
  return route == nullptr || !invoker_waits_ || !invoker_waits_(ctx, *route);
}

Reply Pipeline::finishEarly(const RequestContext& ctx, Reply reply) const {
  for (auto it = middleware_.rbegin(); it != middleware_.rend(); ++it) {
    (*it)->onEarlyReply(ctx, reply);
  }
  return reply;
}

Reply Pipeline::handle(RequestContext& ctx) const {
  std::string what;
  try {
    return dispatch(ctx);
  } catch (const Poco::Exception& e) {
    what = e.displayText();
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  spdlog::error("request {} {} {} failed: {}", ctx.request_id, ctx.method, ctx.path, what);
  return errorReply({common::ErrorCode::kInternal, "internal error; see the daemon log", {}, 0},
                    ctx.request_id);
}

}  // namespace cc::http
