#include "http/router.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace cc::http {
namespace {

bool isParam(const std::string& seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

// Specificity of a match: -1 when it does not match, else the number of literal segments.
int score(const Route& route, const std::vector<std::string>& parts,
          std::map<std::string, std::string>* params) {
  if (route.segments.size() != parts.size()) return -1;
  int literals = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& seg = route.segments[i];
    if (isParam(seg)) {
      if (parts[i].empty()) return -1;
      if (params != nullptr) (*params)[seg.substr(1, seg.size() - 2)] = parts[i];
    } else if (seg != parts[i]) {
      return -1;
    } else {
      ++literals;
    }
  }
  return literals;
}

}  // namespace

std::vector<std::string> splitPath(const std::string& path) {
  std::vector<std::string> out;
  if (path.empty() || path == "/") return out;
  std::size_t start = path.front() == '/' ? 1 : 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string::npos ? slash : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  return out;
}

void Router::add(const std::string& method, const std::string& pattern, Handler handler,
                 RouteOptions options) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  routes_.push_back({method, pattern, std::move(handler), options, splitPath(pattern)});
}

RouteMatch Router::match(const std::string& method, const std::string& path) const {
  const std::string_view wanted = routingMethod(method);
  auto parts = splitPath(path);
  RouteMatch result;
  int best_any = -1;
  int best_method = -1;
  for (const auto& route : routes_) {
    int s = score(route, parts, nullptr);
    if (s < 0) continue;
    best_any = std::max(best_any, s);
    if (route.method == wanted && s > best_method) {
      best_method = s;
      result.route = &route;
    }
  }
  if (best_any < 0) {
    result.status = 404;
    return result;
  }
  // Allowed methods are those of the most specific pattern(s) the path matches.
  std::set<std::string> allowed;
  for (const auto& route : routes_) {
    if (score(route, parts, nullptr) == best_any) allowed.insert(route.method);
  }
  if (allowed.count("GET")) allowed.insert("HEAD");
  allowed.insert("OPTIONS");
  for (const auto& m : allowed) result.allow += (result.allow.empty() ? "" : ", ") + m;

  if (method == "OPTIONS") {
    result.route = nullptr;
    result.options_request = true;
    return result;
  }
  if (result.route == nullptr || best_method < best_any) {
    result.route = nullptr;
    result.status = 405;
    return result;
  }
  score(*result.route, parts, &result.params);
  return result;
}

}  // namespace cc::http
