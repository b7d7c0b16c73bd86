#pragma once
// The server side of the RFC 6455 opening handshake, on top of a Poco HTTP request.

#include <Poco/Net/StreamSocket.h>

#include <string>

#include "common/result.h"

namespace Poco::Net {
class HTTPRequest;
class HTTPServerRequest;
class HTTPServerResponse;
}  // namespace Poco::Net

namespace cc::ws {

/// Sec-WebSocket-Accept for a Sec-WebSocket-Key: base64(SHA-1(key + the RFC 6455 GUID)).
std::string acceptKeyFor(const std::string& key);

/// Checks that `request` is a WebSocket upgrade (GET, Upgrade: websocket, Connection: upgrade,
/// Sec-WebSocket-Version: 13, a Sec-WebSocket-Key) and returns its Sec-WebSocket-Accept; a 400
/// error naming what is wrong otherwise.
common::Result<std::string> checkUpgrade(const Poco::Net::HTTPRequest& request);

/// The socket taken over from the HTTP session, and any bytes the session had read past the
/// handshake.
struct UpgradedSocket {
  Poco::Net::StreamSocket socket;
  std::string leftover;
};

/// Writes the 101 answer and detaches the socket from the HTTP session, so that the HTTP
/// connection returns its worker without closing it. Throws Poco::Exception when the client is
/// gone. `request` must be the HTTPServerRequestImpl the HTTP connection created.
UpgradedSocket completeUpgrade(Poco::Net::HTTPServerRequest& request,
                               Poco::Net::HTTPServerResponse& response,
                               const std::string& accept_key);

}  // namespace cc::ws
