#pragma once
// Routes a request and runs it through the middleware chain and its handler.

#include <functional>
#include <memory>
#include <vector>

#include "http/middleware.h"
#include "http/router.h"

namespace cc::http {

/// The fixed request path: route lookup, each middleware in order (any may answer), then the
/// handler; the answer's body is then held against the listener's response budget (past it the
/// answer becomes 503 overloaded) before each middleware sees it on the way out. One top-level
/// catch turns anything unexpected into a 500 envelope and one log line. Built at start-up;
/// thread-safe afterwards.
class Pipeline {
 public:
  explicit Pipeline(std::shared_ptr<const Router> router) : router_(std::move(router)) {}
  /// How a request can be served, its head parsed: what decides which thread serves it.
  enum class Pace {
    kAtOnce,      ///< nothing waits for anything but memory: answered where it is read
    kOnExecutor,  ///< only its handler waits (a store route): the stages run where it is read,
                  ///< the handler on the executor (submit), and the answer is sent from there
    kWaits,       ///< a stage or the invoker may wait (a store, a cache entry another thread
                  ///< computes, a stream): a worker serves it
  };
  /// Runs a matched route's handler; the default calls it inline. Set before serving.
  using Invoker = std::function<Reply(RequestContext&, const Route&)>;
  /// The invoker's pace for a route (kAtOnce when there is no such function).
  using InvokerPace = std::function<Pace(const RequestContext&, const Route&)>;
  /// Runs a route of pace kOnExecutor on the executor, calling `done` there with its reply,
  /// exactly once; or at once, on the calling thread, with the refusal when it cannot take it.
  using Submitter =
      std::function<void(RequestContext&, const Route&, std::function<void(Reply)> done)>;

  void use(std::shared_ptr<Middleware> middleware) { middleware_.push_back(std::move(middleware)); }
  void setInvoker(Invoker invoker, InvokerPace pace = {}, Submitter submitter = {}) {
    invoker_ = std::move(invoker);
    invoker_pace_ = std::move(pace);
    submitter_ = std::move(submitter);
  }
  /// Who the client is behind trusted proxies; without one, the socket peer. Set before serving.
  void setClientResolver(ClientResolver resolver) { client_resolver_ = std::move(resolver); }
  const ClientResolver& clientResolver() const { return client_resolver_; }
  /// The whole chain on the calling thread: begin(), the handler, end().
  Reply handle(RequestContext& ctx) const;

  /// A request between begin() and end(): its route and how many stages it passed.
  struct Begun {
    std::optional<Reply> reply;  ///< answered without the handler (a stage, 404, 405, OPTIONS)
    const Route* route = nullptr;
    std::size_t ran = 0;  ///< stages whose onRequest ran, whose onReply end() calls
  };
  /// The way in, for a request served in two steps (pace kOnExecutor): the route lookup and
  /// every stage's onRequest. When `reply` is empty the handler is to run: submit() it, then
  /// end() its reply, on whichever thread has it.
  Begun begin(RequestContext& ctx) const;
  /// Runs the begun request's handler through the submitter (its pace is kOnExecutor).
  void submit(RequestContext& ctx, const Begun& begun, std::function<void(Reply)> done) const;
  /// The way out: the answer's body held against the response budget, then each stage's
  /// onReply in reverse order.
  Reply end(const RequestContext& ctx, const Begun& begun, Reply reply) const;
  /// An answer the connection gives before the request reaches the chain, with each stage's
  /// onEarlyReply applied.
  Reply finishEarly(const RequestContext& ctx, Reply reply) const;
  const Router& router() const { return *router_; }
  /// How the request, its head parsed and its body (if any) read, can be served: kAtOnce when
  /// its route (or its 404, 405 or OPTIONS answer) touches no store and streams nothing and no
  /// stage or the invoker would wait for it; kOnExecutor when only the handler would (a store
  /// route, not bulk, not reading its own body, with a submitter); kWaits otherwise. The event
  /// loops serve the first two themselves instead of handing them to a worker.
  Pace pace(RequestContext& ctx) const;
  /// The request's route (or its 404, 405 or OPTIONS outcome), asked of the router once per
  /// request: the first call stores the answer in ctx.match, later calls return it.
  const RouteMatch& lookup(RequestContext& ctx) const;

 private:
  Begun enter(RequestContext& ctx) const;
  Reply leave(const RequestContext& ctx, const Begun& begun, Reply reply) const;
  /// The 500 envelope and its log line, for anything thrown on the way.
  static Reply failed(const RequestContext& ctx, const std::string& what);
  /// Holds the body in ctx.reply_memory until it has been sent, or replaces the answer with a
  /// 503 overloaded envelope when the budget has no room for it.
  static void holdForSending(const RequestContext& ctx, Reply& reply);
  std::shared_ptr<const Router> router_;
  std::vector<std::shared_ptr<Middleware>> middleware_;
  Invoker invoker_;
  InvokerPace invoker_pace_;
  Submitter submitter_;
  ClientResolver client_resolver_;
};

}  // namespace cc::http
