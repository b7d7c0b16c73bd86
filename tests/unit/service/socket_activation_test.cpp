#include "service/socket_activation.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <Poco/Net/DatagramSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/TemporaryFile.h>

#include <algorithm>
#include <cstdlib>

namespace cc::service {
namespace {

using Poco::Net::ServerSocket;
using Poco::Net::SocketAddress;

bool cloexec(int fd) { return (::fcntl(fd, F_GETFD) & FD_CLOEXEC) != 0; }
bool isOpen(int fd) { return ::fcntl(fd, F_GETFD) >= 0; }

std::string localAddress(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len);
  return SocketAddress(reinterpret_cast<sockaddr*>(&ss), len).toString();
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

class SocketActivationTest : public ::testing::Test {
 protected:
  // Descriptors 3 to 5 belong to the test process (or are free); park them and put them back.
  void SetUp() override {
    for (int fd : {3, 4, 5}) {
      saved_.push_back(isOpen(fd) ? ::fcntl(fd, F_DUPFD_CLOEXEC, 100) : -1);
    }
    // Keep 3 to 5 occupied so that sockets the test creates land elsewhere.
    int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    for (int fd : {3, 4, 5}) {
      if (fd != null_fd) ::dup3(null_fd, fd, O_CLOEXEC);
    }
    if (null_fd > 5) ::close(null_fd);
    for (const char* n : {"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"}) ::unsetenv(n);
  }
  void TearDown() override {
    for (int i = 0; i < 3; ++i) {
      if (saved_[i] >= 0) {
        ::dup2(saved_[i], 3 + i);
        ::close(saved_[i]);
      } else {
        ::close(3 + i);
      }
    }
    for (const char* n : {"LISTEN_PID", "LISTEN_FDS", "LISTEN_FDNAMES"}) ::unsetenv(n);
    for (const auto& path : unix_paths_) ::unlink(path.c_str());
  }

  static ServerSocket listener() { return ServerSocket(SocketAddress("127.0.0.1", 0), 16); }
  /// A listening Unix-domain socket at a new path under /tmp (removed at TearDown).
  ServerSocket unixListener() {
    std::string path = Poco::TemporaryFile::tempName("/tmp") + ".sock";
    unix_paths_.push_back(path);
    ServerSocket s;
    s.bind(SocketAddress(SocketAddress::UNIX_LOCAL, path));
    s.listen(16);
    return s;
  }
  /// Puts a new listening socket at `target` and returns its address.
  static std::string listenAt(int target) {
    ServerSocket s = listener();
    ::dup2(s.impl()->sockfd(), target);
    return s.address().toString();
  }
  static void setListenEnv(long pid, const std::string& fds, const std::string& names) {
    ::setenv("LISTEN_PID", std::to_string(pid).c_str(), 1);
    ::setenv("LISTEN_FDS", fds.c_str(), 1);
    if (!names.empty()) ::setenv("LISTEN_FDNAMES", names.c_str(), 1);
  }

  std::vector<int> saved_;
  std::vector<std::string> unix_paths_;
};

// Runs the hand-off in a child (exec replaces it) and returns the child's exit status, or -1
// when it did not exit normally.
int exitStatusOfExec(const ExecHandoff& handoff) {
  pid_t child = ::fork();
  if (child == 0) {
    execHandoff(handoff);
    ::_exit(127);
  }
  int status = 0;
  if (::waitpid(child, &status, 0) != child || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

TEST_F(SocketActivationTest, NoListenPidMeansNothingPassed) {
  auto r = parseListenFds("", "2", "http:admin", 100);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST_F(SocketActivationTest, ListenPidOfAnotherProcessIsIgnored) {
  auto r = parseListenFds("101", "2", "http:admin", 100);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST_F(SocketActivationTest, ParsesDescriptorsFromThreeWithNames) {
  auto r = parseListenFds("100", "2", "http:admin", 100);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].fd, 3);
  EXPECT_EQ((*r)[0].name, "http");
  EXPECT_EQ((*r)[1].fd, 4);
  EXPECT_EQ((*r)[1].name, "admin");
  auto unnamed = parseListenFds("100", "1", "", 100);
  ASSERT_TRUE(unnamed.ok());
  ASSERT_EQ(unnamed->size(), 1u);
  EXPECT_EQ((*unnamed)[0].name, "");
}

TEST_F(SocketActivationTest, MalformedVariablesAreErrors) {
  EXPECT_FALSE(parseListenFds("12x", "1", "", 12).ok());
  auto fds = parseListenFds("100", "two", "", 100);
  ASSERT_FALSE(fds.ok());
  EXPECT_NE(fds.error().message.find("LISTEN_FDS='two'"), std::string::npos);
  auto names = parseListenFds("100", "2", "http", 100);
  ASSERT_FALSE(names.ok());
  EXPECT_NE(names.error().message.find("LISTEN_FDNAMES='http' names 1"), std::string::npos);
}

TEST_F(SocketActivationTest, RolesFollowNamesWhateverTheOrder) {
  auto r = assignListenRoles({{3, "admin"}, {4, "http"}});
  ASSERT_TRUE(r.ok());
  std::vector<std::pair<std::string, int>> expected{{"http", 4}, {"admin", 3}};
  EXPECT_EQ(*r, expected);
}

TEST_F(SocketActivationTest, UnnamedOrUnitNamedDescriptorsArePlacedByPosition) {
  std::vector<std::pair<std::string, int>> first_http{{"http", 3}, {"admin", 4}};
  EXPECT_EQ(*assignListenRoles({{3, ""}, {4, ""}}), first_http);
  EXPECT_EQ(*assignListenRoles({{3, "controlcenterd.socket"}, {4, "controlcenterd.socket"}}),
            first_http);
  std::vector<std::pair<std::string, int>> named_admin{{"http", 4}, {"admin", 3}};
  EXPECT_EQ(*assignListenRoles({{3, "admin"}, {4, "x.socket"}}), named_admin);
  std::vector<std::pair<std::string, int>> only_http{{"http", 3}};
  EXPECT_EQ(*assignListenRoles({{3, ""}}), only_http);
}

TEST_F(SocketActivationTest, AdminUnixIsGivenOnlyByName) {
  // Named admin-unix first: the unnamed ones still fill http, then admin.
  std::vector<std::pair<std::string, int>> all{{"http", 4}, {"admin", 5}, {"admin-unix", 3}};
  EXPECT_EQ(*assignListenRoles({{3, "admin-unix"}, {4, ""}, {5, "x.socket"}}), all);
  std::vector<std::pair<std::string, int>> named{{"http", 3}, {"admin", 4}, {"admin-unix", 5}};
  EXPECT_EQ(*assignListenRoles({{3, "http"}, {4, "admin"}, {5, "admin-unix"}}), named);
  std::vector<std::pair<std::string, int>> only_unix{{"admin-unix", 3}};
  EXPECT_EQ(*assignListenRoles({{3, "admin-unix"}}), only_unix);
  std::vector<std::pair<std::string, int>> http_and_unix{{"http", 4}, {"admin-unix", 3}};
  EXPECT_EQ(*assignListenRoles({{3, "admin-unix"}, {4, ""}}), http_and_unix);
}

TEST_F(SocketActivationTest, DuplicateRolesAndSocketsWithoutARoleAreErrors) {
  auto dup = assignListenRoles({{3, "http"}, {4, "http"}});
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.error().message.find("named 'http'"), std::string::npos);
  auto dup_unix = assignListenRoles({{3, "admin-unix"}, {4, "admin-unix"}});
  ASSERT_FALSE(dup_unix.ok());
  EXPECT_NE(dup_unix.error().message.find("named 'admin-unix'"), std::string::npos);
  // A third unnamed descriptor is not taken for the Unix socket.
  auto third = assignListenRoles({{3, ""}, {4, ""}, {5, ""}});
  ASSERT_FALSE(third.ok());
  EXPECT_NE(third.error().message.find("descriptor 5 (unnamed) has no role left"),
            std::string::npos)
      << third.error().message;
  auto third_unit = assignListenRoles({{3, "http"}, {4, "admin"}, {5, "u.socket"}});
  ASSERT_FALSE(third_unit.ok());
  EXPECT_NE(third_unit.error().message.find("descriptor 5 (u.socket) has no role left"),
            std::string::npos);
  auto many = assignListenRoles({{3, "admin-unix"}, {4, ""}, {5, ""}, {6, ""}});
  ASSERT_FALSE(many.ok());
  EXPECT_NE(many.error().message.find("at most three"), std::string::npos);
}

TEST_F(SocketActivationTest, AdoptsARealListeningSocket) {
  ServerSocket original = listener();
  int fd = ::dup(original.impl()->sockfd());
  ASSERT_FALSE(cloexec(fd));
  auto adopted = adoptListeningSocket(fd, "test socket");
  ASSERT_TRUE(adopted.ok()) << adopted.error().message;
  EXPECT_TRUE(cloexec(fd));
  EXPECT_EQ(adopted->impl()->sockfd(), fd);
  EXPECT_EQ(adopted->address(), original.address());
  Poco::Net::StreamSocket client(original.address());
  Poco::Net::StreamSocket served = adopted->acceptConnection();
  EXPECT_EQ(served.peerAddress(), client.address());
}

TEST_F(SocketActivationTest, AdoptedSocketOwnsItsDescriptor) {
  ServerSocket original = listener();
  int fd = ::dup(original.impl()->sockfd());
  {
    auto adopted = adoptListeningSocket(fd, "test socket");
    ASSERT_TRUE(adopted.ok());
  }
  EXPECT_FALSE(isOpen(fd));
}

TEST_F(SocketActivationTest, NonListeningDescriptorsAreRejectedAndLeftOpen) {
  int tcp = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  auto not_listening = adoptListeningSocket(tcp, "LISTEN_FDS descriptor 3 (http)");
  ASSERT_FALSE(not_listening.ok());
  EXPECT_EQ(not_listening.error().message,
            "LISTEN_FDS descriptor 3 (http) is not a listening stream socket (use ListenStream= "
            "in the socket unit)");
  EXPECT_TRUE(isOpen(tcp));
  ::close(tcp);

  Poco::Net::DatagramSocket udp(SocketAddress("127.0.0.1", 0));
  EXPECT_FALSE(adoptListeningSocket(udp.impl()->sockfd(), "udp").ok());

  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  auto pipe_result = adoptListeningSocket(pipe_fds[0], "LISTEN_FDS descriptor 4 (admin)");
  ASSERT_FALSE(pipe_result.ok());
  EXPECT_NE(pipe_result.error().message.find("(admin) is not a socket"), std::string::npos);
  ::close(pipe_fds[0]);
  ::close(pipe_fds[1]);
}

TEST_F(SocketActivationTest, TakesNamedSocketsFromTheEnvironmentAndUnsetsIt) {
  std::string at3 = listenAt(3);
  std::string at4 = listenAt(4);
  setListenEnv(::getpid(), "2", "admin:http");
  auto taken = takeActivatedSockets();
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  ASSERT_TRUE(taken->http.has_value());
  ASSERT_TRUE(taken->admin.has_value());
  EXPECT_EQ(taken->http->address().toString(), at4);
  EXPECT_EQ(taken->admin->address().toString(), at3);
  EXPECT_TRUE(cloexec(3));
  EXPECT_TRUE(cloexec(4));
  EXPECT_EQ(std::getenv("LISTEN_PID"), nullptr);
  EXPECT_EQ(std::getenv("LISTEN_FDS"), nullptr);
  EXPECT_EQ(std::getenv("LISTEN_FDNAMES"), nullptr);
}

TEST_F(SocketActivationTest, OneUnnamedSocketIsHttp) {
  std::string at3 = listenAt(3);
  setListenEnv(::getpid(), "1", "");
  auto taken = takeActivatedSockets();
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  ASSERT_TRUE(taken->http.has_value());
  EXPECT_FALSE(taken->admin.has_value());
  EXPECT_EQ(taken->http->address().toString(), at3);
}

TEST_F(SocketActivationTest, WrongListenPidAdoptsNothingButStillUnsets) {
  listenAt(3);
  setListenEnv(::getpid() + 1, "1", "http");
  auto taken = takeActivatedSockets();
  ASSERT_TRUE(taken.ok());
  EXPECT_FALSE(taken->any());
  EXPECT_FALSE(cloexec(3)) << "a descriptor not meant for us is left alone";
  EXPECT_EQ(std::getenv("LISTEN_PID"), nullptr);
}

TEST_F(SocketActivationTest, TakesTheAdminUnixSocketByName) {
  std::string at3 = listenAt(3);
  ServerSocket unix_socket = unixListener();
  ::dup2(unix_socket.impl()->sockfd(), 4);
  setListenEnv(::getpid(), "2", "http:admin-unix");
  auto taken = takeActivatedSockets();
  ASSERT_TRUE(taken.ok()) << taken.error().message;
  ASSERT_TRUE(taken->http.has_value());
  EXPECT_FALSE(taken->admin.has_value());
  ASSERT_TRUE(taken->admin_unix.has_value());
  EXPECT_EQ(taken->http->address().toString(), at3);
  EXPECT_EQ(taken->admin_unix->impl()->sockfd(), 4);
  EXPECT_EQ(taken->admin_unix->address().toString(), unix_socket.address().toString());
  EXPECT_TRUE(cloexec(4));
  EXPECT_TRUE(taken->any());
}

TEST_F(SocketActivationTest, AdminUnixThatIsNotAUnixSocketFails) {
  listenAt(3);
  setListenEnv(::getpid(), "1", "admin-unix");
  auto taken = takeActivatedSockets();
  ASSERT_FALSE(taken.ok());
  EXPECT_NE(taken.error().message.find("descriptor 3 (admin-unix) is not a Unix-domain socket"),
            std::string::npos)
      << taken.error().message;
  EXPECT_FALSE(cloexec(3)) << "a rejected descriptor is left as it was";
}

TEST_F(SocketActivationTest, NonListeningPassedDescriptorFailsWithItsName) {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  ::dup2(s, 3);
  ::close(s);
  setListenEnv(::getpid(), "1", "http");
  auto taken = takeActivatedSockets();
  ASSERT_FALSE(taken.ok());
  EXPECT_NE(taken.error().message.find("descriptor 3 (http) is not a listening stream socket"),
            std::string::npos);
}

TEST_F(SocketActivationTest, ExecHandoffPlacesSocketsAtThreeAndFour) {
  ServerSocket http = listener();
  ServerSocket admin = listener();
  // Something inheritable sits at 3 already: it must survive, moved.
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  ::dup2(pipe_fds[1], 3);
  ::close(pipe_fds[1]);
  auto handoff = prepareExecHandoff(
      {{http.impl()->sockfd(), "http"}, {admin.impl()->sockfd(), "admin"}}, "/proc/self/exe",
      {"controlcenterd", "--daemon", "--config", "/etc/x.properties"},
      {"PATH=/usr/bin", "LISTEN_PID=1", "LISTEN_FDS=7", "LISTEN_FDNAMES=a",
       "NOTIFY_SOCKET=/run/n"});
  ASSERT_TRUE(handoff.ok()) << handoff.error().message;
  EXPECT_EQ(localAddress(3), http.address().toString());
  EXPECT_EQ(localAddress(4), admin.address().toString());
  EXPECT_FALSE(cloexec(3));
  EXPECT_FALSE(cloexec(4));
  EXPECT_EQ(handoff->argv,
            (std::vector<std::string>{"controlcenterd", "--config", "/etc/x.properties"}));
  const auto& env = handoff->env;
  EXPECT_TRUE(contains(env, "PATH=/usr/bin"));
  EXPECT_TRUE(contains(env, "NOTIFY_SOCKET=/run/n"));
  EXPECT_TRUE(contains(env, "LISTEN_PID=" + std::to_string(::getpid())));
  EXPECT_TRUE(contains(env, "LISTEN_FDS=2"));
  EXPECT_TRUE(contains(env, "LISTEN_FDNAMES=http:admin"));
  EXPECT_FALSE(contains(env, "LISTEN_PID=1"));
  EXPECT_FALSE(contains(env, "LISTEN_FDS=7"));
  EXPECT_FALSE(contains(env, "LISTEN_FDNAMES=a"));

  ASSERT_EQ(handoff->moved_fds.size(), 1u);
  EXPECT_EQ(handoff->moved_fds[0].first, 3);
  int moved = handoff->moved_fds[0].second;
  EXPECT_FALSE(cloexec(moved));
  ASSERT_EQ(::write(moved, "x", 1), 1);
  char c = 0;
  ASSERT_EQ(::read(pipe_fds[0], &c, 1), 1);
  EXPECT_EQ(c, 'x');
  ::close(moved);
  ::close(pipe_fds[0]);
}

TEST_F(SocketActivationTest, ExecedImageFindsTheListeningSockets) {
  ServerSocket http = listener();
  ServerSocket admin = listener();
  auto handoff = prepareExecHandoff(
      {{http.impl()->sockfd(), "http"}, {admin.impl()->sockfd(), "admin"}}, "/bin/sh",
      {"sh", "-c",
       "test -S /proc/self/fd/3 && test -S /proc/self/fd/4 && test \"$LISTEN_FDS\" = 2 && "
       "test \"$LISTEN_FDNAMES\" = http:admin && test \"$LISTEN_PID\" = \"$PARENT\""},
      {"PARENT=" + std::to_string(::getpid())});
  ASSERT_TRUE(handoff.ok()) << handoff.error().message;
  EXPECT_EQ(exitStatusOfExec(*handoff), 0);
}

TEST_F(SocketActivationTest, ExecHandoffPlacesThreeSocketsInOrderWithTheirNames) {
  ServerSocket http = listener();
  ServerSocket admin = listener();
  ServerSocket admin_unix = unixListener();
  // The Unix socket sits at 3, where the http one must go: it is parked first, not clobbered.
  ::dup2(admin_unix.impl()->sockfd(), 3);
  auto handoff = prepareExecHandoff(
      {{http.impl()->sockfd(), "http"}, {admin.impl()->sockfd(), "admin"}, {3, "admin-unix"}},
      "/proc/self/exe", {"controlcenterd"}, {"LISTEN_FDS=2", "LISTEN_FDNAMES=http:admin"});
  ASSERT_TRUE(handoff.ok()) << handoff.error().message;
  EXPECT_EQ(localAddress(3), http.address().toString());
  EXPECT_EQ(localAddress(4), admin.address().toString());
  EXPECT_EQ(localAddress(5), admin_unix.address().toString());
  for (int fd : {3, 4, 5}) EXPECT_FALSE(cloexec(fd)) << fd;
  EXPECT_TRUE(handoff->moved_fds.empty());
  EXPECT_TRUE(contains(handoff->env, "LISTEN_FDS=3"));
  EXPECT_TRUE(contains(handoff->env, "LISTEN_FDNAMES=http:admin:admin-unix"));
  EXPECT_FALSE(contains(handoff->env, "LISTEN_FDS=2"));
  EXPECT_FALSE(contains(handoff->env, "LISTEN_FDNAMES=http:admin"));
  EXPECT_EQ(handoff->env.size(), 3u);
}

TEST_F(SocketActivationTest, ExecedImageFindsTheAdminUnixSocketToo) {
  ServerSocket http = listener();
  ServerSocket admin = listener();
  ServerSocket admin_unix = unixListener();
  auto handoff = prepareExecHandoff(
      {{http.impl()->sockfd(), "http"},
       {admin.impl()->sockfd(), "admin"},
       {admin_unix.impl()->sockfd(), "admin-unix"}},
      "/bin/sh",
      {"sh", "-c",
       "test -S /proc/self/fd/3 && test -S /proc/self/fd/4 && test -S /proc/self/fd/5 && "
       "test \"$LISTEN_FDS\" = 3 && test \"$LISTEN_FDNAMES\" = http:admin:admin-unix"},
      {});
  ASSERT_TRUE(handoff.ok()) << handoff.error().message;
  EXPECT_EQ(exitStatusOfExec(*handoff), 0);
}

TEST_F(SocketActivationTest, ExecHandoffRejectsABadListBeforeTouchingDescriptors) {
  ServerSocket http = listener();
  ServerSocket admin = listener();
  const int fd = http.impl()->sockfd();
  struct Case {
    std::vector<PassedFd> sockets;
    std::string message;
  };
  const std::vector<Case> cases{
      {{}, "at least one listening socket"},
      {{{fd, "http"}, {fd, "admin"}}, "'http' and 'admin' are the same descriptor"},
      {{{-1, "http"}}, "'http' has no descriptor"},
      {{{fd, ""}}, "'' cannot be a LISTEN_FDNAMES name"},
      {{{fd, "http"}, {admin.impl()->sockfd(), "ad:min"}}, "'ad:min' cannot be"},
  };
  for (const auto& c : cases) {
    auto handoff = prepareExecHandoff(c.sockets, "/bin/true", {}, {});
    ASSERT_FALSE(handoff.ok()) << c.message;
    EXPECT_NE(handoff.error().message.find(c.message), std::string::npos)
        << handoff.error().message;
  }
  // Nothing was placed: 3 and 4 still hold the fixture's /dev/null.
  for (int target : {3, 4}) {
    struct stat st {};
    ASSERT_EQ(::fstat(target, &st), 0);
    EXPECT_FALSE(S_ISSOCK(st.st_mode)) << target;
    EXPECT_TRUE(cloexec(target)) << target;
  }
}

TEST_F(SocketActivationTest, FailedExecIsReportedWithThePath) {
  ExecHandoff h;
  h.path = "/nonexistent/controlcenterd";
  h.argv = {"controlcenterd"};
  auto s = execHandoff(h);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("/nonexistent/controlcenterd"), std::string::npos);
}

}  // namespace
}  // namespace cc::service
