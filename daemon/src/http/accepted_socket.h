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
/// Throws Poco::Net::NetException (or a subclass) as ServerSocket::acceptConnection does.
Poco::Net::StreamSocket acceptClient(Poco::Net::ServerSocket& listener,
                                     Poco::Net::SocketAddress& from);

}  // namespace cc::http
