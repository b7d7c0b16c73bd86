#pragma once
// The PID-file singleton: one running daemon per PID file, enforced by an OS file lock.

#include <memory>
#include <string>

#include "common/result.h"

namespace cc::service {

/// Holds an exclusive lock on the PID file for the life of the object (flock on POSIX,
/// LockFileEx on Windows) and keeps the file's content equal to this process's PID. A file
/// nobody holds a lock on (left by a crash, or holding garbage) is taken over. The destructor
/// removes the file and releases the lock. Not copyable; not thread-safe (owned by main).
class PidLock {
 public:
  /// Creates the directory if needed. Fails (message names the running PID and how to stop it)
  /// when another live process holds the lock.
  static common::Result<std::unique_ptr<PidLock>> acquire(const std::string& path);
  ~PidLock();
  PidLock(const PidLock&) = delete;
  PidLock& operator=(const PidLock&) = delete;

  const std::string& path() const { return path_; }
  /// The open descriptor (POSIX), for handing the lock over across exec.
  int fd() const { return fd_; }
  /// Forget the file without removing it (the process is about to exec itself).
  void release() { released_ = true; }

 private:
  PidLock(std::string path, int fd, void* handle)
      : path_(std::move(path)), fd_(fd), handle_(handle) {}
  std::string path_;
  int fd_ = -1;
  void* handle_ = nullptr;  // Windows HANDLE
  bool released_ = false;
};

}  // namespace cc::service
