#include "http/accepted_socket.h"

#include <Poco/Net/NetException.h>
#include <Poco/Path.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

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
  Accepted outcome = acceptClient(listener);
  ASSERT_TRUE(outcome.client) << outcome.failure;
  StreamSocket& accepted = *outcome.client;

  EXPECT_EQ(outcome.from.toString(), client.address().toString());
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
  Accepted outcome = acceptClient(listener);
  ASSERT_TRUE(outcome.client) << outcome.failure;
  StreamSocket& accepted = *outcome.client;
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
  Accepted outcome = acceptClient(listener);
  ASSERT_TRUE(outcome.client) << outcome.failure;
  StreamSocket& accepted = *outcome.client;
  EXPECT_EQ(outcome.from.family(), SocketAddress::UNIX_LOCAL);
  EXPECT_EQ(accepted.peerAddress().family(), SocketAddress::UNIX_LOCAL);
  EXPECT_EQ(accepted.address().toString(), path);
  EXPECT_TRUE(closeOnExec(accepted));
  accepted.close();
  client.close();
  listener.close();
  ::unlink(path.c_str());
}

TEST(AcceptedSocketTest, AFailedAcceptIsAnErrorValueNotASocket) {
  ServerSocket listener(SocketAddress("127.0.0.1", 0));
  listener.setBlocking(false);  // nothing pending: EAGAIN
  Accepted outcome = acceptClient(listener);
  EXPECT_FALSE(outcome.client);
  EXPECT_TRUE(outcome.error == EAGAIN || outcome.error == EWOULDBLOCK) << outcome.error;
  EXPECT_NE(outcome.failure.find("accept: "), std::string::npos) << outcome.failure;
}

TEST(AcceptedSocketTest, OutOfDescriptorsIsEmfileWithoutAThrow) {
  ServerSocket listener(SocketAddress("127.0.0.1", 0));
  StreamSocket client(listener.address());
  // Fill every free descriptor slot below the limit, so that accept has none left.
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  rlimit tight = saved;
  tight.rlim_cur = 64;
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  std::vector<int> filler;
  for (int fd = ::open("/dev/null", O_RDONLY); fd >= 0; fd = ::open("/dev/null", O_RDONLY)) {
    filler.push_back(fd);
  }
  Accepted outcome = acceptClient(listener);
  for (int fd : filler) ::close(fd);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);

  EXPECT_FALSE(outcome.client);
  EXPECT_EQ(outcome.error, EMFILE);
  int wait_error = -1;
  EXPECT_TRUE(waitForClient(listener, 1000, wait_error)) << "the client is still pending";
  EXPECT_EQ(wait_error, 0);
  EXPECT_TRUE(acceptClient(listener).client) << "served once descriptors are free again";
}

}  // namespace
}  // namespace cc::http
