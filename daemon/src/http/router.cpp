#include "http/router.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace cc::http {
namespace {

bool isParam(const std::string& seg) {
  return seg.size() > 2 && seg.front() == '{' && seg.back() == '}';
}

// The path's segments as views into it, by splitPath's rule.
void splitInto(std::string_view path, std::vector<std::string_view>& out) {
  out.clear();
  if (path.empty() || path == "/") return;
  std::size_t start = path.front() == '/' ? 1 : 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    out.push_back(path.substr(start, slash == std::string_view::npos ? slash : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
}

// Specificity of a match: -1 when it does not match, else the number of literal segments.
int score(const Route& route, const std::vector<std::string_view>& parts,
          std::map<std::string, std::string>* params) {
  if (route.segments.size() != parts.size()) return -1;
  int literals = 0;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    const auto& seg = route.segments[i];
    if (isParam(seg)) {
      if (parts[i].empty()) return -1;
      if (params != nullptr) (*params)[seg.substr(1, seg.size() - 2)] = std::string(parts[i]);
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
  std::vector<std::string_view> parts;
  splitInto(path, parts);
  return {parts.begin(), parts.end()};
}

void Router::add(const std::string& method, const std::string& pattern, Handler handler,
                 RouteOptions options) {
  if (pattern.empty() || pattern.front() != '/') {
    throw std::invalid_argument("route pattern must start with '/': " + pattern);
  }
  routes_.push_back({method, pattern, std::move(handler), options, splitPath(pattern)});
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  const std::string_view wanted = routingMethod(method);
  thread_local std::vector<std::string_view> parts;
  splitInto(path, parts);
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
  const bool options = method == "OPTIONS";
  if (!options && result.route != nullptr && best_method == best_any) {
    score(*result.route, parts, &result.params);
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
  result.route = nullptr;
  if (options) {
    result.options_request = true;
  } else {
    result.status = 405;
  }
  return result;
}

}  // namespace cc::http
