#include "http/pipeline.h"

#include <Poco/Exception.h>
#include <spdlog/spdlog.h>

#include "http/error_envelope.h"
#include "http/memory_budget.h"

namespace cc::http {

const RouteMatch& Pipeline::lookup(RequestContext& ctx) const {
  if (!ctx.match) ctx.match = router_->match(ctx.method, ctx.path);
  return *ctx.match;
}

Pipeline::Begun Pipeline::enter(RequestContext& ctx) const {
  Begun begun;
  lookup(ctx);
  RouteMatch& match = *ctx.match;
  if (match.route != nullptr) {
    ctx.route = match.route->pattern;
    ctx.path_params = std::move(match.params);
    // A route may carry its own budget (a backup takes longer than a read).
    if (match.route->options.timeout_ms) {
      ctx.budget = std::chrono::milliseconds(*match.route->options.timeout_ms);
      ctx.deadline = ctx.started + ctx.budget;
    }
  }
  begun.route = match.route;
  for (; begun.ran < middleware_.size() && !begun.reply; ++begun.ran) {
    begun.reply = middleware_[begun.ran]->onRequest(ctx, match.route);
  }
  if (begun.reply) return begun;
  if (match.options_request) {
    begun.reply = Reply::noContent();
    begun.reply->setHeader("Allow", match.allow);
  } else if (match.status == 404) {
    begun.reply = errorReply({common::ErrorCode::kNotFound, "no route for " + ctx.path, {}, 0},
                             ctx.request_id);
  } else if (match.status == 405) {
    begun.reply =
        errorReply({common::ErrorCode::kMethodNotAllowed,
                    ctx.method + " is not allowed on " + ctx.path + "; allowed: " + match.allow,
                    {},
                    0},
                   ctx.request_id);
    begun.reply->setHeader("Allow", match.allow);
  }
  return begun;
}

Reply Pipeline::leave(const RequestContext& ctx, const Begun& begun, Reply reply) const {
  holdForSending(ctx, reply);
  for (std::size_t ran = begun.ran; ran > 0;) middleware_[--ran]->onReply(ctx, reply);
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

Pipeline::Pace Pipeline::pace(RequestContext& ctx) const {
  const Route* route = lookup(ctx).route;
  for (const auto& stage : middleware_) {
    if (stage->mayWait(ctx, route)) return Pace::kWaits;
  }
  if (route == nullptr) return Pace::kAtOnce;
  const RouteOptions& o = route->options;
  if (o.bulk || o.streams_body) return Pace::kWaits;
  const Pace invoker = invoker_pace_ ? invoker_pace_(ctx, *route) : Pace::kAtOnce;
  // Without an invoker that moves it elsewhere, a store route would block where it runs.
  if (o.uses_store && invoker == Pace::kAtOnce) return Pace::kWaits;
  if (invoker == Pace::kOnExecutor && !submitter_) return Pace::kWaits;
  return invoker;
}

Reply Pipeline::finishEarly(const RequestContext& ctx, Reply reply) const {
  for (auto it = middleware_.rbegin(); it != middleware_.rend(); ++it) {
    (*it)->onEarlyReply(ctx, reply);
  }
  return reply;
}

Reply Pipeline::failed(const RequestContext& ctx, const std::string& what) {
  spdlog::error("request {} {} {} failed: {}", ctx.request_id, ctx.method, ctx.path, what);
  return errorReply({common::ErrorCode::kInternal, "internal error; see the daemon log", {}, 0},
                    ctx.request_id);
}

namespace {
// Runs `step`, turning anything it throws into the text of the failure.
template <typename Step>
auto guarded(Step step, std::string& what) -> std::optional<decltype(step())> {
  try {
    return step();
  } catch (const Poco::Exception& e) {
    what = e.displayText();
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "unknown exception";
  }
  return std::nullopt;
}
}  // namespace

Reply Pipeline::handle(RequestContext& ctx) const {
  std::string what;
  auto reply = guarded(
      [&] {
        Begun begun = enter(ctx);
        Reply r = begun.reply ? std::move(*begun.reply)
                  : invoker_  ? invoker_(ctx, *begun.route)
                              : begun.route->handler(ctx);
        return leave(ctx, begun, std::move(r));
      },
      what);
  return reply ? std::move(*reply) : failed(ctx, what);
}

Pipeline::Begun Pipeline::begin(RequestContext& ctx) const {
  std::string what;
  auto begun = guarded([&] { return enter(ctx); }, what);
  if (begun) return std::move(*begun);
  Begun refused;  // no stage sees the 500 on its way out, as in handle()
  refused.reply = failed(ctx, what);
  return refused;
}

void Pipeline::submit(RequestContext& ctx, const Begun& begun,
                      std::function<void(Reply)> done) const {
  submitter_(ctx, *begun.route, std::move(done));
}

Reply Pipeline::end(const RequestContext& ctx, const Begun& begun, Reply reply) const {
  std::string what;
  auto out = guarded([&] { return leave(ctx, begun, std::move(reply)); }, what);
  return out ? std::move(*out) : failed(ctx, what);
}

}  // namespace cc::http
