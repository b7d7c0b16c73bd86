#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "auth/secret_file.h"

namespace cc::auth {

common::Status writeSecretFile(const std::string& path, const std::string& content) {
  auto fail = [&](const char* what) {
    return common::Error::unavailable(
        common::ErrorCode::kDependencyUnavailable,
        std::string("cannot ") + what + " " + path + ": " + std::strerror(errno));
  };
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return fail("create");
  // An existing file keeps its old mode through O_CREAT; force 0600.
  if (::fchmod(fd, 0600) != 0) {
    auto e = fail("chmod");
    ::close(fd);
    return e;
  }
  std::size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      auto e = fail("write");
      ::close(fd);
      return e;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) {
    auto e = fail("sync");
    ::close(fd);
    return e;
  }
  if (::close(fd) != 0) return fail("close");
  return common::Ok{};
}

}  // namespace cc::auth
