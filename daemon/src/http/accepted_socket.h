#pragma once
// Accepting a client connection from a listening socket.

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <optional>
#include <string>

namespace cc::http {

/// One accept's outcome: a connected client, or the error number that kept it out.
struct Accepted {
  std::optional<Poco::Net::StreamSocket> client;
  Poco::Net::SocketAddress from;  ///< the client's address, when there is a client
  int error = 0;                  ///< errno (POCO_E* on Windows) when there is no client
  std::string failure;            ///< for the log, e.g. "accept: Too many open files"
};

/// Accepts one pending connection from `listener`. The socket is close-on-exec, so that a
/// restart in place does not carry client connections into the new image, and it remembers
/// both of its addresses: Poco's request parser asks for them on every request, two system
/// calls each time otherwise. The socket blocks, whether or not the listener does.
/// A failure is a value, not an exception: accept fails in normal operation (EAGAIN when the
/// listener does not block and nobody is waiting, EMFILE under descriptor exhaustion), and with
/// no descriptor left even the sanitizers' checks of a caught exception fail.
Accepted acceptClient(Poco::Net::ServerSocket& listener);

/// Waits up to `timeout_ms` for a client to accept on `listener`; true when one is pending.
/// Unlike Socket::poll (an epoll set made and closed each call) it needs no file descriptor, so
/// it still works when the process has none left. On failure returns false with `error` set
/// (EINTR is a plain timeout).
bool waitForClient(Poco::Net::ServerSocket& listener, int timeout_ms, int& error);

}  // namespace cc::http
