#include "http/accepted_socket.h"

#if !defined(_WIN32)
#include <Poco/Net/NetException.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#endif

namespace cc::http {

#if !defined(_WIN32)
namespace {

// A connected socket's addresses never change, so they are read once, at accept.
class AddressedSocketImpl final : public Poco::Net::StreamSocketImpl {
 public:
  AddressedSocketImpl(poco_socket_t fd, Poco::Net::SocketAddress peer,
                      Poco::Net::SocketAddress local)
      : Poco::Net::StreamSocketImpl(fd), peer_(std::move(peer)), local_(std::move(local)) {}

  Poco::Net::SocketAddress peerAddress() override { return peer_; }
  Poco::Net::SocketAddress address() override { return local_; }

 private:
  const Poco::Net::SocketAddress peer_;
  const Poco::Net::SocketAddress local_;
};

}  // namespace

Poco::Net::StreamSocket acceptClient(Poco::Net::ServerSocket& listener,
                                     Poco::Net::SocketAddress& from) {
  sockaddr_storage peer{};
  socklen_t peer_len = sizeof peer;
  int fd = -1;
  do {
    peer_len = sizeof peer;
    fd = ::accept4(listener.impl()->sockfd(), reinterpret_cast<sockaddr*>(&peer), &peer_len,
                   SOCK_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    int err = errno;
    throw Poco::Net::NetException(std::string("accept: ") + std::strerror(err), err);
  }
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  try {
    from = Poco::Net::SocketAddress(reinterpret_cast<const sockaddr*>(&peer), peer_len);
    Poco::Net::SocketAddress here;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
      here = Poco::Net::SocketAddress(reinterpret_cast<const sockaddr*>(&local), local_len);
    }
    // The StreamSocket owns the impl (and so the descriptor) from here on.
    return Poco::Net::StreamSocket(new AddressedSocketImpl(fd, from, here));
  } catch (...) {
    ::close(fd);
    throw;
  }
}

bool waitForClient(Poco::Net::ServerSocket& listener, int timeout_ms) {
  pollfd watched{listener.impl()->sockfd(), POLLIN, 0};
  int n = ::poll(&watched, 1, timeout_ms);
  if (n < 0 && errno != EINTR) {
    int err = errno;
    throw Poco::Net::NetException(std::string("poll: ") + std::strerror(err), err);
  }
  return n > 0;
}

#else

Poco::Net::StreamSocket acceptClient(Poco::Net::ServerSocket& listener,
                                     Poco::Net::SocketAddress& from) {
  Poco::Net::StreamSocket client = listener.acceptConnection(from);
  // Winsock gives an accepted socket the listener's non-blocking mode; connections block.
  client.setBlocking(true);
  return client;
}

bool waitForClient(Poco::Net::ServerSocket& listener, int timeout_ms) {
  return listener.poll(Poco::Timespan(timeout_ms * 1000LL), Poco::Net::Socket::SELECT_READ);
}

#endif

}  // namespace cc::http
