#pragma once
// What serving one request takes on whichever thread serves it (a worker or an event loop): its
// id, its context built from the parsed head, the answer's head, the access log line.

#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/StreamSocket.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/error.h"
#include "http/reply.h"
#include "http/request_context.h"

namespace cc::http {

struct ServerSettings;
class Pipeline;

/// The Date header's value for now (formatted once a second per thread).
const std::string& httpDate();
/// A new random request id: 32 hex digits.
std::string newRequestId();
/// A request id from the client's X-Request-ID when it is sane (1-128 characters of
/// [A-Za-z0-9._:-]), otherwise a new random one.
std::string requestIdFor(const std::string& client_value);
/// The client's address as the context names it: the peer's host, "local" on a Unix-domain
/// socket (or when the peer is already gone).
std::string peerIpOf(const Poco::Net::StreamSocket& socket);

/// Reads a request head (its bytes up to and including the empty line that ends it) into
/// `request`, with the result Poco's HTTPRequest::read gives: a plain head (a request line of an
/// upper-case method, a target and HTTP/1.0 or 1.1, then at most 100 `Name: value` fields of
/// printable ASCII within Poco's limits, no folded or encoded values) is split in place; any
/// other is given to Poco's parser. Throws what Poco throws for a head it refuses.
void readRequestHead(std::string_view head, Poco::Net::HTTPRequest& request);
/// The in-place half of readRequestHead: false, `request` untouched, for a head it leaves to
/// Poco's parser.
bool readPlainRequestHead(std::string_view head, Poco::Net::HTTPRequest& request);

/// False when the head has two Content-Length headers, or one that is not a plain number: the
/// body's end is then ambiguous (request smuggling through a proxy that picks the other one),
/// and the request is refused instead of guessed at.
bool singleContentLength(const Poco::Net::HTTPRequest& request);

/// True when the client has shut down its sending side: an incomplete request can then never
/// complete, and waiting for the rest would only hold its place for nothing. False where the
/// platform cannot tell.
bool peerStoppedSending(const Poco::Net::StreamSocket& socket);

/// Fills `ctx` from a parsed request head: the id, the start (`began` when the request began
/// to arrive earlier, on an event loop; now otherwise) and deadline (http.request_timeout_ms), the
/// method and peer, what RequestContext::normalise derives, and the decoded path and query. Returns
/// the answer for a target that cannot be served (a malformed escape, not an absolute path); the
/// context is complete enough to answer it.
std::optional<Reply> startContext(RequestContext& ctx, const Poco::Net::HTTPRequest& request,
                                  const std::string& peer_ip, const ServerSettings& settings,
                                  const Pipeline& pipeline,
                                  std::optional<common::SteadyTime> began = std::nullopt);

/// Puts the status line and headers of `reply` on `response`: the request's version, the status,
/// keep-alive, Date, X-Request-ID, the content type and the reply's own headers.
void setResponseHead(Poco::Net::HTTPResponse& response, const Reply& reply,
                     const std::string& version, bool keep_alive, const std::string& request_id);

/// The same status line and headers as setResponseHead followed by Content-Length
/// `content_length`, in the bytes Poco's HTTPResponse::write gives (a header set twice, in any
/// case, keeps its first place and its last value; the blank line at the end), formatted straight
/// into a string. The string has room for `content_length` more bytes, for the body after it.
std::string responseHead(const Reply& reply, const std::string& version, bool keep_alive,
                         const std::string& request_id, std::size_t content_length);

/// Writes the access log line of an answer when log.access is on: `bytes` of body sent, and a
/// `note` ("streamed", "cut short") when there is one.
void logAccess(const ServerSettings& settings, const RequestContext& ctx, int status,
               uint64_t bytes, std::string_view note = {});

/// Answers a request that could not be parsed (or never came), writing the bytes itself with
/// Connection: close, then stops sending.
void sendRawError(Poco::Net::StreamSocket& socket, common::ErrorCode code,
                  const std::string& message);

}  // namespace cc::http
