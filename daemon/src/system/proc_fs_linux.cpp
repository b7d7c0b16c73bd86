#include "system/proc_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace cc::system {

namespace {

// The most one read(2) asks for. A sysctl file (/proc/sys/...) answers a larger request with
// ENOMEM (the kernel allocates a buffer of the requested size and refuses one of
// KMALLOC_MAX_SIZE, 4 MiB on x86-64), and the buffer grows past that once a large file such as
// /proc/net/tcp under many connections has been read.
constexpr std::size_t kMaxReadChunk = 1 << 20;

}  // namespace

ProcFs::ProcFs(std::string root) : root_(std::move(root)) {
  if (root_.empty() || root_.back() != '/') root_.push_back('/');
  buffer_.resize(64 * 1024);
}

std::string ProcFs::path(std::string_view rel) const {
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  std::string p = root_;
  p.append(rel);
  return p;
}

ProcFs::Status ProcFs::fail(int err) {
  last_error_ = path_ + ": " + std::strerror(err);
  return err == ENOENT || err == ENOTDIR || err == ESRCH ? Status::kMissing : Status::kFailed;
}

ProcFs::Status ProcFs::read(std::string_view rel, std::string_view& out, std::size_t max_bytes) {
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  path_.assign(root_).append(rel);
  int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(errno);
  // /proc files report size 0, so read until EOF, growing the buffer when it fills up.
  std::size_t used = 0;
  while (true) {
    std::size_t room = buffer_.size() - used;
    if (max_bytes != 0 && used + room > max_bytes) room = max_bytes - used;
    room = std::min(room, kMaxReadChunk);
    if (room == 0) {
      if (max_bytes != 0 && used >= max_bytes) break;
      buffer_.resize(buffer_.size() * 2);
      continue;
    }
    ssize_t n = ::read(fd, buffer_.data() + used, room);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return fail(err);
    }
    if (n == 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out = std::string_view(buffer_.data(), used);
  return Status::kOk;
}

ProcFs::Status ProcFs::listDir(std::string_view rel,
                               const std::function<void(std::string_view)>& fn) {
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  path_.assign(root_).append(rel);
  DIR* dir = ::opendir(path_.c_str());
  if (dir == nullptr) return fail(errno);
  while (const dirent* e = ::readdir(dir)) {
    std::string_view name(e->d_name);
    if (name == "." || name == "..") continue;
    fn(name);
  }
  ::closedir(dir);
  return Status::kOk;
}

}  // namespace cc::system
