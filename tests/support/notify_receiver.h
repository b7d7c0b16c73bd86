#pragma once
// Plays systemd's side of sd_notify(3) in tests: a bound datagram socket collecting messages.

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>

namespace cc::testing {

/// One notification and the PID of the process that sent it (from SCM_CREDENTIALS).
struct Notification {
  std::string text;
  pid_t sender = 0;
  /// True when the datagram holds the assignment `line` ("READY=1") as a whole line.
  bool has(const std::string& line) const {
    std::size_t at = 0;
    while ((at = text.find(line, at)) != std::string::npos) {
      bool starts = at == 0 || text[at - 1] == '\n';
      bool ends = at + line.size() == text.size() || text[at + line.size()] == '\n';
      if (starts && ends) return true;
      ++at;
    }
    return false;
  }
  /// The value of VAR in "VAR=value" lines, or "" when absent.
  std::string value(const std::string& var) const {
    std::string key = var + "=";
    std::size_t at = text.rfind("\n" + key);
    if (at != std::string::npos) {
      ++at;
    } else if (text.compare(0, key.size(), key) == 0) {
      at = 0;
    } else {
      return "";
    }
    std::size_t end = text.find('\n', at);
    return text.substr(at + key.size(), end == std::string::npos ? end : end - at - key.size());
  }
};

/// `address` is a filesystem path or "@name" for an abstract socket. Not thread-safe.
class NotifyReceiver {
 public:
  explicit NotifyReceiver(const std::string& address) : address_(address) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, address.data(), address.size());
    bool abstract = address[0] == '@';
    if (abstract) addr.sun_path[0] = '\0';
    auto len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address.size() +
                                      (abstract ? 0 : 1));
    int on = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_PASSCRED, &on, sizeof on);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
      throw std::runtime_error("bind " + address + ": " + std::strerror(errno));
    }
  }
  ~NotifyReceiver() { ::close(fd_); }
  NotifyReceiver(const NotifyReceiver&) = delete;
  NotifyReceiver& operator=(const NotifyReceiver&) = delete;

  const std::string& address() const { return address_; }

  /// The next datagram, or nullopt when none arrives within `timeout_ms`.
  std::optional<Notification> next(int timeout_ms = 5000) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) != 1) return std::nullopt;
    char buf[4096];
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(ucred))];
    iovec iov{buf, sizeof buf};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    ssize_t n = ::recvmsg(fd_, &msg, 0);
    if (n < 0) return std::nullopt;
    Notification note{std::string(buf, static_cast<std::size_t>(n)), 0};
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS) {
        ucred cred{};
        std::memcpy(&cred, CMSG_DATA(c), sizeof cred);
        note.sender = cred.pid;
      }
    }
    return note;
  }

  /// Reads until a datagram holding `line` arrives; nullopt after `timeout` in total.
  std::optional<Notification> waitFor(
      const std::string& line, std::chrono::milliseconds timeout = std::chrono::seconds(15)) {
    auto until = std::chrono::steady_clock::now() + timeout;
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto note = next(static_cast<int>(left.count()));
      if (!note) return std::nullopt;
      if (note->has(line)) return note;
    }
  }

  bool empty() { return !next(0).has_value(); }
  void shrinkBuffer() {
    int size = 1;
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }

 private:
  std::string address_;
  int fd_ = -1;
};

}  // namespace cc::testing
