#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
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

namespace {

Error privatePathError(const std::string& what, const std::string& path) {
  return Error::unavailable(ErrorCode::kDependencyUnavailable,
                            "cannot " + what + " " + path + ": " + std::strerror(errno));
}

}  // namespace

Status makePrivateDirectory(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0) return Ok{};
  try {
    Poco::Path parent = Poco::Path(path).makeDirectory().parent();
    if (!parent.toString().empty()) Poco::File(parent).createDirectories();
  } catch (const Poco::Exception& e) {
    return Error::unavailable(ErrorCode::kDependencyUnavailable,
                              "cannot create the directory of " + path + ": " + e.displayText());
  }
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return privatePathError("create", path);
  // mkdir's mode passes through the umask (0700 under 0277 would be 0500); set it outright.
  if (::chmod(path.c_str(), 0700) != 0) return privatePathError("chmod", path);
  return Ok{};
}

Status makePrivateFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return errno == EEXIST ? Status(Ok{}) : Status(privatePathError("create", path));
  // 0600 through a umask such as 0277 would be 0400: unwritable for the daemon itself.
  Status result = ::fchmod(fd, 0600) == 0 ? Status(Ok{}) : Status(privatePathError("chmod", path));
  ::close(fd);
  return result;
}

Result<std::string> readSecretFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return privatePathError("read", path);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    Error e = privatePathError("stat", path);
    ::close(fd);
    return e;
  }
  if ((st.st_mode & 0077) != 0) {
    ::close(fd);
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return Error::unavailable(ErrorCode::kDependencyUnavailable,
                              path + " may be read by others (mode " + mode +
                                  "); a secret file must be 0600 (chmod 600 " + path + ")");
  }
  std::string content;
  char buffer[4096];
  ssize_t n = 0;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0 && content.size() < 65536) {
    content.append(buffer, static_cast<std::size_t>(n));
  }
  ::close(fd);
  std::string line = content.substr(0, content.find('\n'));
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

}  // namespace cc::common
