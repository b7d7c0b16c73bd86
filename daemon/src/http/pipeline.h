#pragma once
// Routes a request and runs it through the middleware chain and its handler.

#include <functional>
#include <memory>
#include <vector>

#include "http/middleware.h"
#include "http/router.h"

namespace cc::http {

/// The fixed request path: route lookup, each middleware in order (any may answer), then the
/// handler. One top-level catch turns anything unexpected into a 500 envelope and one log
/// line. Built at start-up; thread-safe afterwards.
class Pipeline {
 public:
  explicit Pipeline(std::shared_ptr<const Router> router) : router_(std::move(router)) {}
  /// Runs a matched route's handler; the default calls it inline. Set before serving.
  using Invoker = std::function<Reply(RequestContext&, const Route&)>;

  void use(std::shared_ptr<Middleware> middleware) { middleware_.push_back(std::move(middleware)); }
  void setInvoker(Invoker invoker) { invoker_ = std::move(invoker); }
  Reply handle(RequestContext& ctx) const;
  /// An answer the connection gives before the request reaches the chain, with each stage's
  /// onEarlyReply applied.
  Reply finishEarly(const RequestContext& ctx, Reply reply) const;
  const Router& router() const { return *router_; }

 private:
  Reply dispatch(RequestContext& ctx) const;
  std::shared_ptr<const Router> router_;
  std::vector<std::shared_ptr<Middleware>> middleware_;
  Invoker invoker_;
};

}  // namespace cc::http
