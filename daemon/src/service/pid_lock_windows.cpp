#include <Poco/UnWindows.h>  // windows.h as Poco needs it (lean, winsock2 first)

#include <Poco/Exception.h>
#include <Poco/File.h>
#include <Poco/Path.h>

#include "service/pid_lock.h"

namespace cc::service {

common::Result<std::unique_ptr<PidLock>> PidLock::acquire(const std::string& path) {
  try {
    Poco::Path parent = Poco::Path(path).parent();
    if (!parent.toString().empty()) Poco::File(parent).createDirectories();
  } catch (const Poco::Exception& e) {
    return common::Error::badRequest("cannot create the directory of daemon.pidfile " + path +
                                     ": " + e.displayText());
  }
  HANDLE h = CreateFileA(path.c_str(), GENERIC_READ | GENERIC_WRITE,
                         FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, nullptr,
                         OPEN_ALWAYS, FILE_ATTRIBUTE_NORMAL, nullptr);
  if (h == INVALID_HANDLE_VALUE) {
    return common::Error::badRequest("cannot open daemon.pidfile " + path);
  }
  // The locked byte lies far past the end of the file: a Windows byte-range lock also bars
  // reads of its range, and the second instance must still read the first one's PID.
  OVERLAPPED ov{};
  ov.OffsetHigh = 1;
  if (!LockFileEx(h, LOCKFILE_EXCLUSIVE_LOCK | LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, &ov)) {
    char buf[32] = {};
    DWORD n = 0;
    ReadFile(h, buf, sizeof buf - 1, &n, nullptr);
    CloseHandle(h);
    std::string pid(buf, n);
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == '\r')) pid.pop_back();
    return common::Error::conflict("controlcenterd (pid " + pid +
                                   ") is already running and holds " + path +
                                   "; stop the service with 'sc stop controlcenterd'");
  }
  std::string text = std::to_string(GetCurrentProcessId()) + "\r\n";
  SetFilePointer(h, 0, nullptr, FILE_BEGIN);
  SetEndOfFile(h);
  DWORD written = 0;
  WriteFile(h, text.data(), static_cast<DWORD>(text.size()), &written, nullptr);
  FlushFileBuffers(h);
  return std::unique_ptr<PidLock>(new PidLock(path, -1, h));
}

PidLock::~PidLock() {
  HANDLE h = static_cast<HANDLE>(handle_);
  if (!released_) DeleteFileA(path_.c_str());
  if (h != nullptr) CloseHandle(h);
}

}  // namespace cc::service
