#include "service/unix_listener.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>

#include <cstdlib>

namespace cc::service {
namespace {

using Poco::Net::ServerSocket;
using Poco::Net::SocketAddress;

class UnixListenerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/cc-unixlistener-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + dir_).c_str()); }

  /// A socket listening at `path`, as a previous image or systemd would have left it.
  static ServerSocket listenAt(const std::string& path) {
    ServerSocket s;
    s.bind(SocketAddress(SocketAddress::UNIX_LOCAL, path));
    s.listen(16);
    return s;
  }
  static ino_t inode(const std::string& path) {
    struct stat st {};
    return ::lstat(path.c_str(), &st) == 0 ? st.st_ino : 0;
  }
  static bool exists(const std::string& path) { return inode(path) != 0; }
  /// True when a client connecting to `path` is accepted on `listener`.
  static bool reaches(const std::string& path, ServerSocket& listener) {
    Poco::Net::StreamSocket client(SocketAddress(SocketAddress::UNIX_LOCAL, path));
    listener.setReceiveTimeout(Poco::Timespan(5, 0));
    return listener.acceptConnection().impl()->sockfd() >= 0;
  }

  std::string dir_;
};

TEST_F(UnixListenerTest, BoundPathIsTheFileTheSocketListensOn) {
  const std::string path = dir_ + "/admin.sock";
  ServerSocket s = listenAt(path);
  EXPECT_EQ(boundUnixPath(s), path);
  EXPECT_EQ(boundUnixPath(ServerSocket(SocketAddress("127.0.0.1", 0))), "");
  EXPECT_EQ(boundUnixPath(ServerSocket()), "");
}

TEST_F(UnixListenerTest, NoPathAndNothingPassedMeansNoListener) {
  auto choice = chooseUnixListener("", std::nullopt, "");
  ASSERT_TRUE(choice.ok());
  EXPECT_FALSE(choice->socket.has_value());
  EXPECT_FALSE(choice->adopted);
  EXPECT_EQ(choice->dropped, "");
}

TEST_F(UnixListenerTest, BindsThePathWhenNothingIsPassed) {
  const std::string path = dir_ + "/run/admin.sock";
  auto choice = chooseUnixListener(path, std::nullopt, "");
  ASSERT_TRUE(choice.ok()) << choice.error().message;
  ASSERT_TRUE(choice->socket.has_value());
  EXPECT_FALSE(choice->adopted);
  EXPECT_EQ(boundUnixPath(*choice->socket), path);
  struct stat st {};
  ASSERT_EQ(::lstat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0660u);
  EXPECT_TRUE(reaches(path, *choice->socket));
}

TEST_F(UnixListenerTest, AdoptsAPassedSocketBoundToThePathKeepingItsFile) {
  const std::string path = dir_ + "/admin.sock";
  ServerSocket passed = listenAt(path);
  const int fd = passed.impl()->sockfd();
  const ino_t before = inode(path);
  auto choice = chooseUnixListener(path, passed, "");
  ASSERT_TRUE(choice.ok()) << choice.error().message;
  ASSERT_TRUE(choice->socket.has_value());
  EXPECT_TRUE(choice->adopted);
  EXPECT_EQ(choice->dropped, "");
  EXPECT_EQ(choice->socket->impl()->sockfd(), fd);
  EXPECT_EQ(inode(path), before) << "the file was bound again";
  EXPECT_TRUE(reaches(path, *choice->socket));
}

TEST_F(UnixListenerTest, ThePathMayNameTheSameFileAnotherWay) {
  ASSERT_EQ(::mkdir((dir_ + "/run").c_str(), 0700), 0);
  ASSERT_EQ(::symlink((dir_ + "/run").c_str(), (dir_ + "/var-run").c_str()), 0);
  ServerSocket passed = listenAt(dir_ + "/run/admin.sock");
  auto choice = chooseUnixListener(dir_ + "/var-run/admin.sock", passed, "");
  ASSERT_TRUE(choice.ok()) << choice.error().message;
  EXPECT_TRUE(choice->adopted);
}

TEST_F(UnixListenerTest, APassedSocketForAnotherPathIsClosedAndItsFileLeft) {
  const std::string other = dir_ + "/systemd.sock";
  const std::string path = dir_ + "/admin.sock";
  ServerSocket passed = listenAt(other);
  auto choice = chooseUnixListener(path, passed, "");
  ASSERT_TRUE(choice.ok()) << choice.error().message;
  ASSERT_TRUE(choice->socket.has_value());
  EXPECT_FALSE(choice->adopted);
  EXPECT_EQ(choice->dropped, "it is bound to " + other + ", not to admin.socket " + path);
  EXPECT_EQ(choice->dropped_path, other);
  EXPECT_FALSE(choice->dropped_file_removed);
  EXPECT_TRUE(exists(other)) << "a file systemd may own is left alone";
  EXPECT_EQ(boundUnixPath(*choice->socket), path);
  EXPECT_TRUE(reaches(path, *choice->socket));
  // The passed socket (its copies share one descriptor) is closed: nobody listens there.
  EXPECT_EQ(passed.impl()->sockfd(), POCO_INVALID_SOCKET);
  EXPECT_ANY_THROW(Poco::Net::StreamSocket(SocketAddress(SocketAddress::UNIX_LOCAL, other)));
}

TEST_F(UnixListenerTest, APassedSocketOfOurOwnForAnotherPathLosesItsFile) {
  const std::string old_path = dir_ + "/old.sock";
  const std::string path = dir_ + "/new.sock";
  auto choice = chooseUnixListener(path, listenAt(old_path), old_path);
  ASSERT_TRUE(choice.ok()) << choice.error().message;
  EXPECT_FALSE(choice->adopted);
  EXPECT_TRUE(choice->dropped_file_removed);
  EXPECT_FALSE(exists(old_path));
  EXPECT_TRUE(exists(path));
}

TEST_F(UnixListenerTest, APassedSocketIsClosedWhenAdminSocketIsEmpty) {
  const std::string other = dir_ + "/admin.sock";
  auto choice = chooseUnixListener("", listenAt(other), "");
  ASSERT_TRUE(choice.ok());
  EXPECT_FALSE(choice->socket.has_value());
  EXPECT_EQ(choice->dropped, "admin.socket is empty");
  EXPECT_TRUE(exists(other));
}

TEST_F(UnixListenerTest, APassedSocketWhoseFileWasRemovedIsReplaced) {
  const std::string path = dir_ + "/admin.sock";
  ServerSocket passed = listenAt(path);
  ::unlink(path.c_str());
  auto choice = chooseUnixListener(path, passed, path);
  ASSERT_TRUE(choice.ok()) << choice.error().message;
  ASSERT_TRUE(choice->socket.has_value());
  EXPECT_FALSE(choice->adopted);
  EXPECT_NE(choice->dropped, "");
  EXPECT_TRUE(reaches(path, *choice->socket)) << "the new socket must own the path";
}

TEST_F(UnixListenerTest, AnythingButASocketAtThePathIsAnError) {
  const std::string path = dir_ + "/admin.sock";
  ASSERT_EQ(::mkdir(path.c_str(), 0700), 0);
  auto choice = chooseUnixListener(path, std::nullopt, "");
  ASSERT_FALSE(choice.ok());
  EXPECT_NE(choice.error().message.find("exists and is not a socket"), std::string::npos);
}

}  // namespace
}  // namespace cc::service
