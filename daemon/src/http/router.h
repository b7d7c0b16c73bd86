#pragma once
// Maps method + path to a handler, with {param} segments, 404 and 405 (with Allow) outcomes.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/reply.h"
#include "http/request_context.h"
#include "http/route_match.h"

namespace cc::http {

using Handler = std::function<Reply(RequestContext&)>;

/// What a route promises the pipeline: whether it needs a user, whether it writes, its own
/// time budget.
struct RouteOptions {
  bool is_public = false;         // no authentication
  bool writes = false;            // a viewer may not call it
  std::optional<int> timeout_ms;  // overrides http.request_timeout_ms
  bool uses_store = false;        // guarded by the store's circuit breaker
  /// Bulk import and export: the handler runs on the connection's thread and is bounded per
  /// step instead of as a whole (each page read or batch write gets the request's budget of its
  /// own), a streamed body is not cut by the request deadline, and answers are never cached.
  /// A handler that answers with a stream (Reply::streamed) must be bulk: the event loops
  /// answer only what is whole in memory, and leave bulk routes to a worker.
  bool bulk = false;
  /// The handler reads the body itself, as it arrives, from RequestContext::body_source, bounded
  /// by http.import_max_body_bytes instead of http.max_body_bytes (bulk import). Needs `bulk`:
  /// the body can only be read on the connection's thread.
  bool streams_body = false;
};

struct Route {
  std::string method;
  std::string pattern;
  Handler handler;
  RouteOptions options;
  std::vector<std::string> segments;  // "{name}" marks a parameter
};

/// Routes are added at start-up, then the router is only read: matching is thread-safe.
/// A literal segment beats a parameter (/api/agents/active before /api/agents/{id}); HEAD is
/// served by GET routes; OPTIONS on a known path answers with Allow. A lookup splits the path
/// without copying it and builds the Allow list only for 405 and OPTIONS; the pipeline looks a
/// request up once (Pipeline::route).
class Router {
 public:
  void add(const std::string& method, const std::string& pattern, Handler handler,
           RouteOptions options = {});
  RouteMatch match(std::string_view method, std::string_view path) const;
  const std::vector<Route>& routes() const { return routes_; }

 private:
  std::vector<Route> routes_;
};

/// Splits a path into its segments; "/a//b/" gives {"a","","b",""}; "/" gives {}.
std::vector<std::string> splitPath(const std::string& path);

}  // namespace cc::http
