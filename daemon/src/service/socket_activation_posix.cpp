#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <Poco/Net/ServerSocketImpl.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "common/environment.h"
#include "service/socket_activation.h"

extern char** environ;

namespace cc::service {
namespace {

using common::envOr;

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

std::string errnoText(int err) { return std::strerror(err); }

bool isListenVariable(const std::string& assignment) {
  for (const char* prefix : {"LISTEN_PID=", "LISTEN_FDS=", "LISTEN_FDNAMES="}) {
    if (assignment.compare(0, std::strlen(prefix), prefix) == 0) return true;
  }
  return false;
}

int socketFamily(int fd) {
  sockaddr_storage address{};
  socklen_t len = sizeof address;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &len) != 0) return -1;
  return address.ss_family;
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
    const std::string what = "LISTEN_FDS descriptor " + std::to_string(fd) + " (" + role + ")";
    const bool unix_role = role == kAdminUnixFdName;
    if (unix_role && socketFamily(fd) != AF_UNIX) {
      return common::Error::badRequest(
          what + " is not a Unix-domain socket (use ListenStream=/path in the socket unit)");
    }
    auto socket = adoptListeningSocket(fd, what);
    if (!socket) return socket.error();
    (role == "http" ? sockets.http
     : unix_role    ? sockets.admin_unix
                    : sockets.admin) = std::move(*socket);
  }
  return sockets;
}

common::Result<ExecHandoff> prepareExecHandoff(const std::vector<PassedFd>& sockets,
                                               std::string path, std::vector<std::string> argv,
                                               const std::vector<std::string>& env) {
  if (sockets.empty()) {
    return common::Error::badRequest("restart in place needs at least one listening socket");
  }
  std::string names;
  for (std::size_t i = 0; i < sockets.size(); ++i) {
    const PassedFd& s = sockets[i];
    if (s.fd < 0) {
      return common::Error::badRequest("restart in place: listening socket '" + s.name +
                                       "' has no descriptor");
    }
    if (s.name.empty() || s.name.find(':') != std::string::npos) {
      return common::Error::badRequest("restart in place: '" + s.name +
                                       "' cannot be a LISTEN_FDNAMES name");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (sockets[j].fd == s.fd) {
        return common::Error::badRequest("restart in place: '" + sockets[j].name + "' and '" +
                                         s.name + "' are the same descriptor");
      }
    }
    names += (i == 0 ? "" : ":") + s.name;
  }
  const int count = static_cast<int>(sockets.size());
  const int first_free = kListenFdsStart + count;
  ExecHandoff handoff;
  auto closeAll = [](const std::vector<int>& fds) {
    for (int fd : fds) ::close(fd);
  };
  // Park every listener above the target range first so that no dup2 below can clobber
  // another one.
  std::vector<int> parked;
  for (const PassedFd& s : sockets) {
    int fd = ::fcntl(s.fd, F_DUPFD_CLOEXEC, first_free);
    if (fd < 0) {
      int err = errno;
      closeAll(parked);
      return common::Error::badRequest("cannot duplicate listening socket " + std::to_string(s.fd) +
                                       " (" + s.name + "): " + errnoText(err));
    }
    parked.push_back(fd);
  }
  for (int target = kListenFdsStart; target < first_free; ++target) {
    int flags = ::fcntl(target, F_GETFD);
    bool is_source = false;
    for (const PassedFd& s : sockets) is_source = is_source || s.fd == target;
    if (flags < 0 || (flags & FD_CLOEXEC) != 0 || is_source) continue;
    // Someone meant this descriptor to survive exec: keep it, at another number.
    int moved = ::fcntl(target, F_DUPFD, first_free);
    if (moved < 0) {
      int err = errno;
      closeAll(parked);
      return common::Error::badRequest("cannot move inheritable descriptor " +
                                       std::to_string(target) + ": " + errnoText(err));
    }
    handoff.moved_fds.emplace_back(target, moved);
  }
  common::Status status = common::Ok{};
  for (int i = 0; i < count && status.ok(); ++i) {
    // dup2 leaves the new descriptor without FD_CLOEXEC, which is what exec needs.
    if (::dup2(parked[static_cast<std::size_t>(i)], kListenFdsStart + i) < 0) {
      status =
          common::Error::badRequest("cannot place listening socket at descriptor " +
                                    std::to_string(kListenFdsStart + i) + ": " + errnoText(errno));
    } else {
      status = setInheritable(kListenFdsStart + i);
    }
  }
  closeAll(parked);
  if (!status) return status.error();

  handoff.path = std::move(path);
  for (auto& arg : argv) {
    if (arg != "--daemon") handoff.argv.push_back(std::move(arg));
  }
  for (const auto& assignment : env) {
    if (!isListenVariable(assignment)) handoff.env.push_back(assignment);
  }
  handoff.env.push_back("LISTEN_PID=" + std::to_string(::getpid()));
  handoff.env.push_back("LISTEN_FDS=" + std::to_string(count));
  handoff.env.push_back("LISTEN_FDNAMES=" + names);
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
