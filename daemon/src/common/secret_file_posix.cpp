#include <fcntl.h>
#include <unistd.h>

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>

#include <cerrno>
#include <cstring>

#include "common/secret_file.h"

namespace cc::common {

Status writeSecretFile(const std::string& path, const std::string& content) {
  try {
    Poco::File(Poco::Path(path).parent()).createDirectories();
  } catch (const Poco::Exception& e) {
    return Error::badRequest("cannot create the directory of " + path + ": " + e.displayText());
  }
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return Error::badRequest("cannot create " + path + ": " + std::strerror(errno));
  bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()) &&
            ::fsync(fd) == 0;
  int err = errno;
  ::close(fd);
  if (!ok) return Error::badRequest("cannot write " + path + ": " + std::strerror(err));
  return Ok{};
}

}  // namespace cc::common
