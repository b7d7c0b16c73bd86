#include "http/accepted_socket.h"

#include <Poco/Net/NetException.h>
#include <Poco/Path.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace cc::http {
namespace {

using Poco::Net::ServerSocket;
using Poco::Net::SocketAddress;
using Poco::Net::StreamSocket;

bool closeOnExec(const StreamSocket& socket) {
  int flags = ::fcntl(socket.impl()->sockfd(), F_GETFD);
  return flags >= 0 && (flags & FD_CLOEXEC) != 0;
}

TEST(AcceptedSocketTest, TcpClientKeepsBothAddressesAndIsCloseOnExec) {
  ServerSocket listener(SocketAddress("127.0.0.1", 0));
  StreamSocket client(listener.address());
  SocketAddress from;
  StreamSocket accepted = acceptClient(listener, from);

  EXPECT_EQ(from.toString(), client.address().toString());
  EXPECT_EQ(accepted.peerAddress().toString(), client.address().toString());
  EXPECT_EQ(accepted.address().toString(), listener.address().toString());
  EXPECT_TRUE(closeOnExec(accepted)) << "a restart in place must not inherit client sockets";

  const std::string hello = "hello";
  ASSERT_EQ(client.sendBytes(hello.data(), static_cast<int>(hello.size())), 5);
  char buffer[16] = {};
  ASSERT_EQ(accepted.receiveBytes(buffer, sizeof buffer), 5);
  EXPECT_EQ(std::string(buffer, 5), hello);
}

TEST(AcceptedSocketTest, AddressesStayReadableAfterThePeerResetsTheConnection) {
  ServerSocket listener(SocketAddress("127.0.0.1", 0));
  StreamSocket client(listener.address());
  const std::string client_address = client.address().toString();
  SocketAddress from;
  StreamSocket accepted = acceptClient(listener, from);
  client.setLinger(true, 0);
  client.close();  // RST
  char byte = 0;
  EXPECT_THROW(accepted.receiveBytes(&byte, 1), Poco::Net::ConnectionResetException);
  EXPECT_EQ(accepted.peerAddress().toString(), client_address) << "remembered, not asked";
}

TEST(AcceptedSocketTest, UnixClientIsLocalAndCloseOnExec) {
  std::string path = Poco::Path::temp() + "cc-accept-" + std::to_string(::getpid()) + ".sock";
  ::unlink(path.c_str());
  ServerSocket listener(SocketAddress(SocketAddress::UNIX_LOCAL, path));
  StreamSocket client(SocketAddress(SocketAddress::UNIX_LOCAL, path));
  SocketAddress from;
  StreamSocket accepted = acceptClient(listener, from);
  EXPECT_EQ(from.family(), SocketAddress::UNIX_LOCAL);
  EXPECT_EQ(accepted.peerAddress().family(), SocketAddress::UNIX_LOCAL);
  EXPECT_EQ(accepted.address().toString(), path);
  EXPECT_TRUE(closeOnExec(accepted));
  accepted.close();
  client.close();
  listener.close();
  ::unlink(path.c_str());
}

TEST(AcceptedSocketTest, AFailedAcceptThrowsInsteadOfReturningABadSocket) {
  ServerSocket listener(SocketAddress("127.0.0.1", 0));
  listener.setBlocking(false);  // nothing pending: EAGAIN
  SocketAddress from;
  EXPECT_THROW(acceptClient(listener, from), Poco::Net::NetException);
}

}  // namespace
}  // namespace cc::http
