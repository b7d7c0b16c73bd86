#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>

#include <cerrno>
#include <cstring>

#include "service/pid_lock.h"

namespace cc::service {
namespace {

std::string readPid(int fd) {
  char buf[64] = {};
  ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return "";
  std::string text(buf, static_cast<std::size_t>(n));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  for (char c : text) {
    if (c < '0' || c > '9') return "";
  }
  return text;
}

}  // namespace

common::Result<std::unique_ptr<PidLock>> PidLock::acquire(const std::string& path) {
  try {
    Poco::Path parent = Poco::Path(path).parent();
    if (!parent.toString().empty()) Poco::File(parent).createDirectories();
  } catch (const Poco::Exception& e) {
    return common::Error::badRequest("cannot create the directory of daemon.pidfile " + path +
                                     ": " + e.displayText());
  }
  // Retry when the file we locked was unlinked by an exiting instance in between: the lock
  // must be on the file that is at `path` now.
  for (int attempt = 0; attempt < 10; ++attempt) {
    // State, like the rest of the state directory: owner-only whatever the umask.
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
      return common::Error::badRequest("cannot open daemon.pidfile " + path + ": " +
                                       std::strerror(errno));
    }
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      std::string pid = readPid(fd);
      ::close(fd);
      if (err == EWOULDBLOCK) {
        std::string who =
            pid.empty() ? "another controlcenterd" : "controlcenterd (pid " + pid + ")";
        std::string how = pid.empty() ? "stop it" : "stop it with 'kill " + pid + "'";
        return common::Error::conflict(who + " is already running and holds " + path + "; " + how +
                                       " or 'systemctl stop controlcenterd', or set a "
                                       "different daemon.pidfile");
      }
      return common::Error::badRequest("cannot lock daemon.pidfile " + path + ": " +
                                       std::strerror(err));
    }
    struct stat held {
    }, current{};
    if (::fstat(fd, &held) != 0 || ::stat(path.c_str(), &current) != 0 ||
        held.st_ino != current.st_ino || held.st_dev != current.st_dev) {
      ::close(fd);
      continue;
    }
    std::string text = std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) != 0 ||
        ::pwrite(fd, text.data(), text.size(), 0) != static_cast<ssize_t>(text.size())) {
      int err = errno;
      ::close(fd);
      return common::Error::badRequest("cannot write daemon.pidfile " + path + ": " +
                                       std::strerror(err));
    }
    ::fsync(fd);
    return std::unique_ptr<PidLock>(new PidLock(path, fd, nullptr));
  }
  return common::Error::conflict("daemon.pidfile " + path +
                                 " keeps being replaced by another process");
}

PidLock::~PidLock() {
  if (!released_) ::unlink(path_.c_str());
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace cc::service
