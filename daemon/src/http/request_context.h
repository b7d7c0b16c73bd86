#pragma once
// Everything the pipeline knows about one request while it is being served.

#include <map>
#include <optional>
#include <string>

#include "common/clock.h"

namespace Poco::Net {
class HTTPServerRequest;
class HTTPServerResponse;
}  // namespace Poco::Net

namespace cc::http {

class BodySource;
class BudgetLease;

/// Who made the request, once authentication has run.
struct Identity {
  std::string username;
  std::string role;  // "admin" or "viewer"
};

/// What pipeline stages note for their own onReply on the same request.
struct StageNotes {
  bool breaker_permit = false;  // the store breaker let this request through
  bool breaker_probe = false;
  uint64_t breaker_epoch = 0;
  std::string ratelimit_policy;  // RateLimit-Policy / RateLimit header values to send
  std::string ratelimit;
  std::string cache_outcome;  // HIT, MISS or COALESCED
  int64_t cache_age_s = -1;
};

/// Per-request state, created by the connection and passed through middleware to the handler.
/// Lives on one worker thread; not shared.
struct RequestContext {
  std::string request_id;
  std::string method;  // as sent; HEAD is routed like GET
  std::string path;    // percent-decoded, without the query
  std::string raw_query;
  std::map<std::string, std::string> query;  // decoded; the first value of a repeated name wins
  std::map<std::string, std::string> path_params;
  std::string route;      // the matched route template, e.g. /api/agents/{id}; "" if none
  std::string client_ip;  // after trusted-proxy handling; the peer's address otherwise
  std::string peer_ip;
  std::string body;
  /// For a route that reads its body itself (RouteOptions::streams_body): that body, which the
  /// connection then has not read into `body`. Null otherwise.
  BodySource* body_source = nullptr;
  /// Where the answer's body is held until it has been sent (overload.max_response_bytes): set
  /// by the connection; null in unit tests that call the pipeline directly.
  BudgetLease* reply_memory = nullptr;
  common::SteadyTime started{};
  common::SteadyTime deadline{};
  /// The budget `deadline` was set from: http.request_timeout_ms or the route's timeout_ms. Bulk
  /// routes give it to each of their steps.
  common::Millis budget{0};
  std::optional<Identity> identity;
  std::string token;  // the bearer token presented, once authenticated
  StageNotes notes;
  const Poco::Net::HTTPServerRequest* request = nullptr;  // headers; null in unit tests
  /// Copies every header into header_copies and forgets the request object.
  void detachFromRequest();
  /// For protocol upgrades only: a handler that answers the upgrade itself (e.g. constructs a
  /// Poco::Net::WebSocket, which detaches the socket) sets `upgraded`; the connection then
  /// writes nothing more and returns its worker thread, leaving the socket to the new owner.
  Poco::Net::HTTPServerRequest* upgrade_request = nullptr;
  Poco::Net::HTTPServerResponse* upgrade_response = nullptr;
  bool upgraded = false;

  /// Header copies for work that outlives the connection's request object (a handler run on
  /// another thread past its deadline); consulted when `request` is null.
  std::map<std::string, std::string> header_copies;

  /// A request header (case-insensitive), or "" when absent.
  std::string header(const std::string& name) const;
  /// A query parameter, or nullopt.
  std::optional<std::string> queryParam(const std::string& name) const {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
  }
};

/// Decodes a query string ("a=1&b=x%20y") into `out`: '&'-separated pairs, '+' as a space, the
/// first value of a repeated name wins. Throws Poco::SyntaxException on a malformed escape.
void decodeQuery(const std::string& raw, std::map<std::string, std::string>& out);

}  // namespace cc::http
