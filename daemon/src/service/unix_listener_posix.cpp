#include <sys/stat.h>
#include <unistd.h>

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Path.h>

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

void removeUnixListener(const std::string& path) { ::unlink(path.c_str()); }

}  // namespace cc::service
