#pragma once
// What the router found for a request: its route with the path's parameters, or the status.

#include <map>
#include <string>

namespace cc::http {

struct Route;

/// The outcome of a lookup: a route with its parameters, or the status to answer (404, or 405
/// with the allowed methods). `allow` is filled for 405 and OPTIONS, which answer with it.
struct RouteMatch {
  const Route* route = nullptr;
  std::map<std::string, std::string> params;
  int status = 0;                // 0 on a match, else 404 or 405
  std::string allow;             // for 405 and OPTIONS: "GET, HEAD, POST"
  bool options_request = false;  // OPTIONS on a known path
};

}  // namespace cc::http
