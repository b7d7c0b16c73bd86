#pragma once
// A WebSocket client for the integration tests: connect to a daemon's stream, read frames.

#include <Poco/Net/WebSocket.h>

#include <memory>
#include <string>

namespace cc::testing {

/// A data or close frame as it arrived.
struct Frame {
  int opcode = 0;
  std::string payload;
  int closeCode() const;
  /// The "type" field of a JSON payload ("" when it has none).
  std::string type() const;
};

/// Opens `path` on `address` (host:port) as a WebSocket with a 5 s receive timeout.
std::unique_ptr<Poco::Net::WebSocket> connectWebSocket(const std::string& address,
                                                       const std::string& path);
/// The next data or close frame (pings and pongs skipped); throws Poco::TimeoutException.
Frame nextFrame(Poco::Net::WebSocket& ws);
/// Frames until one of `type` arrives (or the close frame); bounded by the receive timeout.
Frame frameOfType(Poco::Net::WebSocket& ws, const std::string& type);
void sendText(Poco::Net::WebSocket& ws, const std::string& text);

}  // namespace cc::testing
