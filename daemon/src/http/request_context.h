#pragma once
// Everything the pipeline knows about one request while it is being served.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "http/route_match.h"

namespace Poco::Net {
class HTTPRequest;
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

/// Who the client is, given the socket peer and X-Forwarded-For as received (the header is
/// believed only from trusted proxies); set on a pipeline by the stage that knows the proxies.
using ClientResolver =
    std::function<std::string(const std::string& peer_ip, const std::string& forwarded_for)>;

/// The method routing and the rate-limit and cache rules see: HEAD is served as GET, any other
/// method as sent.
std::string_view routingMethod(std::string_view method);

/// The token of an `Authorization: Bearer <token>` value ("Bearer" case-insensitive, the spaces
/// after it skipped), or "".
std::string bearerToken(std::string_view authorization);

/// Per-request state, created by the connection and passed through middleware to the handler.
/// Lives on the one thread serving the request (a worker or an event loop); not shared.
struct RequestContext {
  std::string request_id;
  std::string method;          // as sent
  std::string routing_method;  // what routing and rules see: HEAD as GET (see normalise())
  std::string path;            // percent-decoded, without the query
  std::string raw_query;
  std::map<std::string, std::string> query;  // decoded; the first value of a repeated name wins
  std::map<std::string, std::string> path_params;
  std::string route;  // the matched route template, e.g. /api/agents/{id}; "" if none
  /// The router's answer for method and path, once Pipeline::lookup has asked it (its params
  /// then move to path_params).
  std::optional<RouteMatch> match;
  std::string client_ip;  // after trusted-proxy handling; the peer's address otherwise
  std::string peer_ip;    // the socket peer ("local" on a Unix-domain socket)
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
  /// The bearer token presented, "" if none; `identity` says whether it was accepted.
  std::string bearer_token;
  StageNotes notes;
  const Poco::Net::HTTPRequest* request = nullptr;  // headers; null in unit tests
  /// Derives, once, what several stages read from the request as sent: routing_method from
  /// `method`, bearer_token from Authorization and client_ip from `peer_ip` and X-Forwarded-For
  /// (through `resolve_client` when there is one and the header is present; the peer otherwise).
  /// Called by the connection when it builds the context, after the method, the peer and the
  /// headers are known.
  void normalise(const ClientResolver& resolve_client);
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
