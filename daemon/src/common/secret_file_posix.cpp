#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>

#include "common/secret_file.h"

namespace cc::common {

Status writeSecretFile(const std::string& path, const std::string& content) {
  auto fail = [&](const char* what) {
    return Error::unavailable(
        ErrorCode::kDependencyUnavailable,
        std::string("cannot ") + what + " " + path + ": " + std::strerror(errno));
  };
  try {
    Poco::File(Poco::Path(path).parent()).createDirectories();
  } catch (const Poco::Exception& e) {
    return Error::unavailable(ErrorCode::kDependencyUnavailable,
                              "cannot create the directory of " + path + ": " + e.displayText());
  }
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
  return Ok{};
}

}  // namespace cc::common
