#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Path.h>

#include <algorithm>
#include <cstddef>
#include <cstring>

#include "service/unix_listener.h"

namespace cc::service {

common::Result<Poco::Net::ServerSocket> bindUnixListener(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) {
      return common::Error::badRequest("admin.socket " + path + " exists and is not a socket");
    }
    ::unlink(path.c_str());
  }
  try {
    Poco::File(Poco::Path(path).parent()).createDirectories();
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress(Poco::Net::SocketAddress::UNIX_LOCAL, path), false);
    socket.listen(64);
    if (::chmod(path.c_str(), 0660) != 0) {
      return common::Error::badRequest("cannot set mode 0660 on admin.socket " + path);
    }
    return socket;
  } catch (const Poco::Exception& e) {
    return common::Error::badRequest("cannot listen on admin.socket " + path + ": " +
                                     e.displayText());
  }
}

std::string boundUnixPath(const Poco::Net::ServerSocket& socket) {
  sockaddr_un address{};
  socklen_t len = sizeof address;
  if (socket.impl()->sockfd() < 0 ||
      ::getsockname(socket.impl()->sockfd(), reinterpret_cast<sockaddr*>(&address), &len) != 0 ||
      address.sun_family != AF_UNIX || len <= offsetof(sockaddr_un, sun_path) ||
      address.sun_path[0] == '\0') {
    return {};
  }
  // sun_path need not be NUL-terminated when the path fills it.
  std::size_t max =
      std::min<std::size_t>(len - offsetof(sockaddr_un, sun_path), sizeof address.sun_path);
  return std::string(address.sun_path, ::strnlen(address.sun_path, max));
}

common::Result<UnixListenerChoice> chooseUnixListener(const std::string& path,
                                                      std::optional<Poco::Net::ServerSocket> passed,
                                                      const std::string& owned_file) {
  UnixListenerChoice choice;
  if (passed) {
    const std::string bound = boundUnixPath(*passed);
    struct stat at_path {};
    struct stat at_bound {};
    // Compare files, not strings: /var/run/x and /run/x are one socket. A passed socket whose
    // file was removed is unreachable, so it is not used even when the names agree.
    if (path.empty()) {
      choice.dropped = "admin.socket is empty";
    } else if (bound.empty()) {
      choice.dropped = "it is not bound to a file path";
    } else if (::stat(path.c_str(), &at_path) != 0 || !S_ISSOCK(at_path.st_mode) ||
               ::stat(bound.c_str(), &at_bound) != 0 || at_path.st_dev != at_bound.st_dev ||
               at_path.st_ino != at_bound.st_ino) {
      choice.dropped = "it is bound to " + bound + ", not to admin.socket " + path;
    } else {
      choice.socket = std::move(passed);
      choice.adopted = true;
      return choice;
    }
    choice.dropped_path = bound;
    passed->close();
    if (!bound.empty() && bound == owned_file) {
      // Nobody listens there any more; removing it first also keeps the bind below from
      // racing with it when both name one place.
      ::unlink(bound.c_str());
      choice.dropped_file_removed = true;
    }
  }
  if (path.empty()) return choice;
  auto bound = bindUnixListener(path);
  if (!bound) return bound.error();
  choice.socket = std::move(*bound);
  return choice;
}

void removeUnixListener(const std::string& path) { ::unlink(path.c_str()); }

}  // namespace cc::service
