#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <Poco/Net/ServerSocketImpl.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "service/socket_activation.h"

extern char** environ;

namespace cc::service {
namespace {

// Poco 1.11 has no public way to wrap an existing descriptor: SocketImpl::reset() and
// ServerSocket(SocketImpl*, bool) are protected, so two tiny subclasses expose exactly that.
class AdoptedServerSocketImpl final : public Poco::Net::ServerSocketImpl {
 public:
  explicit AdoptedServerSocketImpl(poco_socket_t fd) { reset(fd); }
};

class AdoptedServerSocket final : public Poco::Net::ServerSocket {
 public:
  explicit AdoptedServerSocket(poco_socket_t fd)
      : Poco::Net::ServerSocket(new AdoptedServerSocketImpl(fd), true) {}
};

std::string envOr(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

std::string errnoText(int err) { return std::strerror(err); }

bool isListenVariable(const std::string& assignment) {
  for (const char* prefix : {"LISTEN_PID=", "LISTEN_FDS=", "LISTEN_FDNAMES="}) {
    if (assignment.compare(0, std::strlen(prefix), prefix) == 0) return true;
  }
  return false;
}

common::Status setInheritable(int fd) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0 || ::fcntl(fd, F_SETFD, flags & ~FD_CLOEXEC) != 0) {
    return common::Error::badRequest("cannot make descriptor " + std::to_string(fd) +
                                     " inheritable: " + errnoText(errno));
  }
  return common::Ok{};
}

}  // namespace

common::Result<Poco::Net::ServerSocket> adoptListeningSocket(int fd, const std::string& what) {
  int type = 0;
  int listening = 0;
  socklen_t len = sizeof type;
  if (::getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) != 0) {
    return common::Error::badRequest(what + " is not a socket: " + errnoText(errno));
  }
  len = sizeof listening;
  if (type != SOCK_STREAM || ::getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) != 0 ||
      listening == 0) {
    return common::Error::badRequest(
        what + " is not a listening stream socket (use ListenStream= in the socket unit)");
  }
  int flags = ::fcntl(fd, F_GETFD);
  if (flags < 0 || ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC) != 0) {
    return common::Error::badRequest("cannot set close-on-exec on " + what + ": " +
                                     errnoText(errno));
  }
  return Poco::Net::ServerSocket(AdoptedServerSocket(fd));
}

common::Result<ActivatedSockets> takeActivatedSockets() {
  std::string pid = envOr("LISTEN_PID");
  std::string fds = envOr("LISTEN_FDS");
  std::string names = envOr("LISTEN_FDNAMES");
  ::unsetenv("LISTEN_PID");
  ::unsetenv("LISTEN_FDS");
  ::unsetenv("LISTEN_FDNAMES");

  auto passed = parseListenFds(pid, fds, names, static_cast<long>(::getpid()));
  if (!passed) return passed.error();
  auto roles = assignListenRoles(*passed);
  if (!roles) return roles.error();
  ActivatedSockets sockets;
  for (const auto& [role, fd] : *roles) {
    auto socket =
        adoptListeningSocket(fd, "LISTEN_FDS descriptor " + std::to_string(fd) + " (" + role + ")");
    if (!socket) return socket.error();
    (role == "http" ? sockets.http : sockets.admin) = std::move(*socket);
  }
  return sockets;
}

common::Result<ExecHandoff> prepareExecHandoff(int http_fd, int admin_fd, std::string path,
                                               std::vector<std::string> argv,
                                               const std::vector<std::string>& env) {
  if (http_fd < 0 || admin_fd < 0 || http_fd == admin_fd) {
    return common::Error::badRequest("restart in place needs two distinct listening sockets");
  }
  ExecHandoff handoff;
  // Park both listeners above 4 first so that neither dup2 below can clobber the other.
  int parked[2] = {-1, -1};
  const int sources[2] = {http_fd, admin_fd};
  for (int i = 0; i < 2; ++i) {
    parked[i] = ::fcntl(sources[i], F_DUPFD_CLOEXEC, kListenFdsStart + 2);
    if (parked[i] < 0) {
      int err = errno;
      if (i == 1) ::close(parked[0]);
      return common::Error::badRequest("cannot duplicate listening socket " +
                                       std::to_string(sources[i]) + ": " + errnoText(err));
    }
  }
  for (int target = kListenFdsStart; target < kListenFdsStart + 2; ++target) {
    int flags = ::fcntl(target, F_GETFD);
    if (flags < 0 || (flags & FD_CLOEXEC) != 0 || target == http_fd || target == admin_fd) {
      continue;
    }
    // Someone meant this descriptor to survive exec: keep it, at another number.
    int moved = ::fcntl(target, F_DUPFD, kListenFdsStart + 2);
    if (moved < 0) {
      int err = errno;
      ::close(parked[0]);
      ::close(parked[1]);
      return common::Error::badRequest("cannot move inheritable descriptor " +
                                       std::to_string(target) + ": " + errnoText(err));
    }
    handoff.moved_fds.emplace_back(target, moved);
  }
  common::Status status = common::Ok{};
  for (int i = 0; i < 2 && status.ok(); ++i) {
    // dup2 leaves the new descriptor without FD_CLOEXEC, which is what exec needs.
    if (::dup2(parked[i], kListenFdsStart + i) < 0) {
      status =
          common::Error::badRequest("cannot place listening socket at descriptor " +
                                    std::to_string(kListenFdsStart + i) + ": " + errnoText(errno));
    } else {
      status = setInheritable(kListenFdsStart + i);
    }
  }
  ::close(parked[0]);
  ::close(parked[1]);
  if (!status) return status.error();

  handoff.path = std::move(path);
  for (auto& arg : argv) {
    if (arg != "--daemon") handoff.argv.push_back(std::move(arg));
  }
  for (const auto& assignment : env) {
    if (!isListenVariable(assignment)) handoff.env.push_back(assignment);
  }
  handoff.env.push_back("LISTEN_PID=" + std::to_string(::getpid()));
  handoff.env.push_back("LISTEN_FDS=2");
  handoff.env.push_back("LISTEN_FDNAMES=http:admin");
  return handoff;
}

std::vector<std::string> currentEnvironment() {
  std::vector<std::string> env;
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) env.emplace_back(*e);
  return env;
}

common::Status execHandoff(const ExecHandoff& handoff) {
  std::vector<char*> argv;
  std::vector<char*> env;
  for (const auto& a : handoff.argv) argv.push_back(const_cast<char*>(a.c_str()));
  for (const auto& e : handoff.env) env.push_back(const_cast<char*>(e.c_str()));
  argv.push_back(nullptr);
  env.push_back(nullptr);
  ::execve(handoff.path.c_str(), argv.data(), env.data());
  return common::Error::badRequest("cannot execute " + handoff.path + ": " + errnoText(errno));
}

}  // namespace cc::service
