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
  /// Runs a matched route's handler; the default calls it inline. Set before serving.
  using Invoker = std::function<Reply(RequestContext&, const Route&)>;
  /// Whether the invoker may wait for something outside memory to run a route (the executor, a
  /// cache entry another thread computes).
  using InvokerWaits = std::function<bool(const RequestContext&, const Route&)>;

  void use(std::shared_ptr<Middleware> middleware) { middleware_.push_back(std::move(middleware)); }
  void setInvoker(Invoker invoker, InvokerWaits waits = {}) {
    invoker_ = std::move(invoker);
    invoker_waits_ = std::move(waits);
  }
  /// Who the client is behind trusted proxies; without one, the socket peer. Set before serving.
  void setClientResolver(ClientResolver resolver) { client_resolver_ = std::move(resolver); }
  const ClientResolver& clientResolver() const { return client_resolver_; }
  Reply handle(RequestContext& ctx) const;
  /// An answer the connection gives before the request reaches the chain, with each stage's
  /// onEarlyReply applied.
  Reply finishEarly(const RequestContext& ctx, Reply reply) const;
  const Router& router() const { return *router_; }
  /// Whether the request, its head parsed and no body to read, can be answered without waiting
  /// for anything but memory: its route (or its 404, 405 or OPTIONS answer) touches no store
  /// and streams nothing, and no stage or the invoker would wait for it. The event loops answer
  /// such requests themselves instead of handing them to a worker.
  bool answersAtOnce(const RequestContext& ctx) const;

 private:
  Reply dispatch(RequestContext& ctx) const;
  /// Holds the body in ctx.reply_memory until it has been sent, or replaces the answer with a
  /// 503 overloaded envelope when the budget has no room for it.
  static void holdForSending(const RequestContext& ctx, Reply& reply);
  std::shared_ptr<const Router> router_;
  std::vector<std::shared_ptr<Middleware>> middleware_;
  Invoker invoker_;
  InvokerWaits invoker_waits_;
  ClientResolver client_resolver_;
};

}  // namespace cc::http
