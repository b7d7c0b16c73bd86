#include "http/accepted_socket.h"

#if !defined(_WIN32)
#include <Poco/Net/NetException.h>
#include <Poco/Net/StreamSocketImpl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#endif

#include <string>
#include <utility>

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

Accepted acceptClient(Poco::Net::ServerSocket& listener) {
  Accepted outcome;
  sockaddr_storage peer{};
  socklen_t peer_len = sizeof peer;
  int fd = -1;
  do {
    peer_len = sizeof peer;
    fd = ::accept4(listener.impl()->sockfd(), reinterpret_cast<sockaddr*>(&peer), &peer_len,
                   SOCK_CLOEXEC);
  } while (fd < 0 && errno == EINTR);
  if (fd < 0) {
    outcome.error = errno;
    outcome.failure = std::string("accept: ") + std::strerror(outcome.error);
    return outcome;
  }
  sockaddr_storage local{};
  socklen_t local_len = sizeof local;
  try {
    outcome.from = Poco::Net::SocketAddress(reinterpret_cast<const sockaddr*>(&peer), peer_len);
    Poco::Net::SocketAddress here;
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &local_len) == 0) {
      here = Poco::Net::SocketAddress(reinterpret_cast<const sockaddr*>(&local), local_len);
    }
    // The StreamSocket owns the impl (and so the descriptor) from here on.
    outcome.client.emplace(new AddressedSocketImpl(fd, outcome.from, here));
  } catch (const Poco::Exception& e) {
    // An address family Poco does not know: the connection cannot be served.
    ::close(fd);
    outcome.error = e.code() != 0 ? e.code() : EINVAL;
    outcome.failure = "accept: " + e.displayText();
  }
  return outcome;
}

bool waitForClient(Poco::Net::ServerSocket& listener, int timeout_ms, int& error) {
  pollfd watched{listener.impl()->sockfd(), POLLIN, 0};
  int n = ::poll(&watched, 1, timeout_ms);
  error = n < 0 && errno != EINTR ? errno : 0;
  return n > 0;
}

#else

Accepted acceptClient(Poco::Net::ServerSocket& listener) {
  Accepted outcome;
  try {
    Poco::Net::StreamSocket client = listener.acceptConnection(outcome.from);
    // Winsock gives an accepted socket the listener's non-blocking mode; connections block.
    client.setBlocking(true);
    outcome.client.emplace(std::move(client));
  } catch (const Poco::Exception& e) {
    outcome.error = e.code();
    outcome.failure = "accept: " + e.displayText();
  }
  return outcome;
}

bool waitForClient(Poco::Net::ServerSocket& listener, int timeout_ms, int& error) {
  try {
    error = 0;
    return listener.poll(Poco::Timespan(timeout_ms * 1000LL), Poco::Net::Socket::SELECT_READ);
  } catch (const Poco::Exception& e) {
    error = e.code();
    return false;
  }
}

#endif

}  // namespace cc::http
