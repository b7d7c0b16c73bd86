#pragma once
// Accepting a client connection from a listening socket.

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

namespace cc::http {

/// Accepts one pending connection from `listener` (which must be readable) and stores the
/// client's address in `from`. The socket is close-on-exec, so that a restart in place does not
/// carry client connections into the new image, and it remembers both of its addresses: Poco's
/// request parser asks for them on every request, two system calls each time otherwise.
/// The socket blocks, whether or not the listener does. Throws Poco::Net::NetException (or a
/// subclass) as ServerSocket::acceptConnection does; EAGAIN when `listener` does not block and
/// nobody is waiting.
Poco::Net::StreamSocket acceptClient(Poco::Net::ServerSocket& listener,
                                     Poco::Net::SocketAddress& from);

/// Waits up to `timeout_ms` for a client to accept on `listener`; true when one is pending.
/// Unlike Socket::poll (an epoll set made and closed each call) it needs no file descriptor, so
/// it still works when the process has none left. Throws Poco::Net::NetException on failure.
bool waitForClient(Poco::Net::ServerSocket& listener, int timeout_ms);

}  // namespace cc::http
