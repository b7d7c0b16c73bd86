// Request lines through the router as the connection feeds it: percent-decoded path, then the
// route table's match; the query string into the list and process query validators.

#include <Poco/Exception.h>
#include <Poco/URI.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "domain/agent.h"
#include "domain/project.h"
#include "fuzz_check.h"
#include "http/handlers/domain_request.h"
#include "http/router.h"
#include "system/process_query.h"

namespace {

using cc::http::RequestContext;
using cc::http::Router;

// The daemon's public and admin routes (see addAgentRoutes, addAdminRoutes, ...).
const Router& routeTable() {
  static const Router router = [] {
    Router r;
    auto ok = [](RequestContext&) { return cc::http::Reply::noContent(); };
    const char* routes[][2] = {
        {"GET", "/health"},
        {"GET", "/health/live"},
        {"GET", "/health/ready"},
        {"GET", "/api/health"},
        {"GET", "/metrics"},
        {"POST", "/api/auth/login"},
        {"GET", "/api/auth/validate"},
        {"POST", "/api/auth/logout"},
        {"GET", "/api/system/info"},
        {"GET", "/api/system/stats"},
        {"GET", "/api/system/disk"},
        {"GET", "/api/system/network"},
        {"GET", "/api/system/processes"},
        {"GET", "/api/system/metrics"},
        {"GET", "/api/system/ws"},
        {"GET", "/api/agents"},
        {"POST", "/api/agents"},
        {"GET", "/api/agents/active"},
        {"GET", "/api/agents/stats"},
        {"GET", "/api/agents/{id}"},
        {"PATCH", "/api/agents/{id}"},
        {"DELETE", "/api/agents/{id}"},
        {"POST", "/api/agents/{id}/heartbeat"},
        {"GET", "/api/projects"},
        {"POST", "/api/projects"},
        {"GET", "/api/projects/{id}"},
        {"PATCH", "/api/projects/{id}"},
        {"DELETE", "/api/projects/{id}"},
        {"GET", "/admin/status"},
        {"POST", "/admin/reload"},
        {"POST", "/admin/restart"},
        {"GET", "/admin/log-level"},
        {"PUT", "/admin/log-level"},
        {"GET", "/admin/users"},
        {"POST", "/admin/users"},
        {"DELETE", "/admin/users/{name}"},
        {"POST", "/admin/users/{name}/password"},
        {"POST", "/admin/tokens"},
        {"GET", "/admin/pool"},
        {"GET", "/admin/faults"},
        {"PUT", "/admin/faults/db"},
        {"DELETE", "/admin/faults/db"},
        {"POST", "/admin/backup"},
        {"GET", "/admin/ratelimit"},
        {"DELETE", "/admin/ratelimit"},
        {"GET", "/admin/cache"},
        {"DELETE", "/admin/cache"},
        {"GET", "/admin/breakers"},
    };
    for (const auto& [method, pattern] : routes) r.add(method, pattern, ok);
    return r;
  }();
  return router;
}

std::size_t paramCount(const cc::http::Route& route) {
  std::size_t n = 0;
  for (const auto& seg : route.segments) {
    if (seg.size() > 2 && seg.front() == '{' && seg.back() == '}') ++n;
  }
  return n;
}

void checkMatch(const std::string& method, const std::string& path) {
  const auto& router = routeTable();
  auto m = router.match(method, path);
  FUZZ_CHECK(m.status == 0 || m.status == 404 || m.status == 405);
  auto again = router.match(method, path);
  FUZZ_CHECK(again.status == m.status && again.route == m.route && again.params == m.params &&
             again.allow == m.allow);
  if (m.status == 404) {
    FUZZ_CHECK(m.route == nullptr && m.allow.empty() && !m.options_request);
    return;
  }
  // The Allow list is built for the answers that carry it: 405 and OPTIONS.
  FUZZ_CHECK(m.route != nullptr ? m.allow.empty() : m.allow.find("OPTIONS") != std::string::npos);
  if (m.options_request) {
    FUZZ_CHECK(method == "OPTIONS" && m.status == 0 && m.route == nullptr);
    return;
  }
  if (m.status == 405) {
    FUZZ_CHECK(m.route == nullptr);
    return;
  }
  FUZZ_CHECK(m.route != nullptr);
  FUZZ_CHECK(m.route->method == (method == "HEAD" ? std::string("GET") : method));
  FUZZ_CHECK(m.params.size() == paramCount(*m.route));
  RequestContext ctx;
  ctx.path_params = m.params;
  for (const auto& [name, value] : m.params) {
    FUZZ_CHECK(!name.empty() && !value.empty());
    FUZZ_CHECK(value.find('/') == std::string::npos);
    // Handlers turn {id} into a row id: a positive integer that reads back as the same digits.
    auto id = cc::http::handlers::pathId(ctx, "thing", name);
    if (id) {
      FUZZ_CHECK(*id >= 1);
      std::string digits = value.substr(std::min(value.find_first_not_of('0'), value.size()));
      FUZZ_CHECK(std::to_string(*id) == digits);
    } else {
      FUZZ_CHECK(id.error().code == cc::common::ErrorCode::kNotFound);
    }
  }
}

void checkSplit(const std::string& path) {
  auto parts = cc::http::splitPath(path);
  if (path.empty() || path.front() != '/') return;
  std::string joined;
  for (const auto& p : parts) joined += "/" + p;
  if (joined.empty()) joined = "/";
  FUZZ_CHECK(joined == path);
}

// The connection's query decoding; false on a malformed escape (the connection answers 400).
bool decodeQuery(const std::string& raw, std::map<std::string, std::string>& out) {
  try {
    cc::http::decodeQuery(raw, out);
    return true;
  } catch (const Poco::SyntaxException&) {
    return false;
  }
}

void checkQuery(const std::map<std::string, std::string>& query) {
  using cc::common::ErrorCode;
  RequestContext ctx;
  ctx.query = query;
  if (auto flag = cc::http::handlers::queryFlag(ctx, "active", false)) {
    auto it = query.find("active");
    FUZZ_CHECK(it == query.end() || it->second == (*flag ? "true" : "false"));
  } else {
    FUZZ_CHECK(flag.error().code == ErrorCode::kValidation && flag.error().field == "active");
  }
  if (auto q = cc::system::ProcessQuery::parse(query)) {
    FUZZ_CHECK(q->limit >= 1 && q->limit <= cc::system::ProcessQuery::kMaxLimit);
  } else {
    FUZZ_CHECK(q.error().code == ErrorCode::kValidation && !q.error().field.empty());
  }
  if (auto f = cc::domain::parseAgentFilter(query)) {
    FUZZ_CHECK(f->window.limit >= 1 && f->window.limit <= cc::domain::kMaxLimit &&
               f->window.offset >= 0);
    FUZZ_CHECK(cc::domain::validateAgentFilter(*f).ok());
  } else {
    FUZZ_CHECK(f.error().code == ErrorCode::kValidation && !f.error().field.empty());
  }
  if (auto f = cc::domain::parseProjectFilter(query)) {
    FUZZ_CHECK(f->window.limit >= 1 && f->window.limit <= cc::domain::kMaxLimit &&
               f->window.offset >= 0);
    FUZZ_CHECK(cc::domain::validateProjectFilter(*f).ok());
  } else {
    FUZZ_CHECK(f.error().code == ErrorCode::kValidation && !f.error().field.empty());
  }
}

}  // namespace

// Input: "METHOD\nTARGET", TARGET being what follows the method on a request line.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::size_t nl = input.find('\n');
  const std::string method = nl == std::string::npos ? "GET" : input.substr(0, nl);
  const std::string target = nl == std::string::npos ? input : input.substr(nl + 1);

  std::size_t qmark = target.find('?');
  checkSplit(target.substr(0, qmark));
  std::string path;
  try {
    Poco::URI::decode(target.substr(0, qmark), path);
  } catch (const Poco::SyntaxException&) {
    return 0;  // the connection answers 400
  }
  if (path.empty()) path = "/";
  checkSplit(path);
  checkMatch(method, path);

  if (qmark != std::string::npos) {
    std::map<std::string, std::string> query;
    if (decodeQuery(target.substr(qmark + 1), query)) checkQuery(query);
  }
  return 0;
}
