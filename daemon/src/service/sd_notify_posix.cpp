#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "common/environment.h"
#include "service/sd_notify.h"

namespace cc::service {
namespace {

using common::envOr;

bool parseUnsigned(const std::string& text, uint64_t& out) {
  if (text.empty() || text.size() > 19) return false;
  out = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    out = out * 10 + static_cast<uint64_t>(c - '0');
  }
  return true;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

Notifier Notifier::fromEnvironment() {
  std::string socket = envOr("NOTIFY_SOCKET");
  uint64_t usec = 0;
  if (!parseUnsigned(envOr("WATCHDOG_USEC"), usec)) usec = 0;
  std::string watchdog_pid = envOr("WATCHDOG_PID");
  uint64_t pid = 0;
  // The watchdog belongs to whichever process systemd named; a child that inherited the
  // variables must not feed (or be required to feed) it.
  if (!watchdog_pid.empty() &&
      (!parseUnsigned(watchdog_pid, pid) || pid != static_cast<uint64_t>(::getpid()))) {
    usec = 0;
  }
  return Notifier(std::move(socket), std::chrono::microseconds(static_cast<int64_t>(usec)));
}

common::Status Notifier::notify(const std::string& message) const {
  if (socket_.empty()) return common::Ok{};
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  bool abstract = socket_[0] == '@';
  if ((socket_[0] != '/' && !abstract) || socket_.size() < 2 ||
      socket_.size() > sizeof(addr.sun_path) - (abstract ? 0 : 1)) {
    return common::Error::badRequest("NOTIFY_SOCKET='" + socket_ +
                                     "' is neither an absolute path nor an abstract socket name");
  }
  std::memcpy(addr.sun_path, socket_.data(), socket_.size());
  if (abstract) addr.sun_path[0] = '\0';
  // An abstract name is exactly as long as given (no terminating NUL); a path carries its NUL.
  auto length =
      static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size() + (abstract ? 0 : 1));

  Fd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (fd.get() < 0) {
    return common::Error::badRequest(std::string("cannot create a notification socket: ") +
                                     std::strerror(errno));
  }
  iovec iov{const_cast<char*>(message.data()), message.size()};
  msghdr msg{};
  msg.msg_name = &addr;
  msg.msg_namelen = length;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  ssize_t sent = ::sendmsg(fd.get(), &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  if (sent < 0) {
    return common::Error::badRequest("cannot notify the service manager at " + socket_ + ": " +
                                     std::strerror(errno));
  }
  if (static_cast<std::size_t>(sent) != message.size()) {
    return common::Error::badRequest("short write notifying the service manager at " + socket_);
  }
  return common::Ok{};
}

int64_t monotonicMicros() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

}  // namespace cc::service
