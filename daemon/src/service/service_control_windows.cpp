#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <mutex>

#include "service/service_control.h"

#include "common/logging.h"

namespace cc::service {
namespace {

// Until the daemon says more: reading the configuration, the PID lock and binding the listeners.
// A slow store opening extends it (extendServiceWait).
constexpr std::chrono::milliseconds kStartWaitHint{30000};
// From the stop control until the daemon's drain reports its own grace.
constexpr std::chrono::milliseconds kStopWaitHint{10000};
constexpr int kExitSoftware = 70;  // EX_SOFTWARE, as sysexits(3): the body threw

// The one service this process runs: the SCM calls serviceMain and onControl without a context
// pointer we could use for the body (RegisterServiceCtrlHandlerEx's is for the handler only).
struct ServiceSlot {
  std::mutex mutex;
  SERVICE_STATUS_HANDLE handle = nullptr;  // null unless the body runs under the SCM
  SERVICE_STATUS status{};
  const std::function<int()>* body = nullptr;
  const std::function<void()>* stop = nullptr;
  int exit_code = 0;
};

// Never destroyed: the dispatcher may return, and the process exit, while the service's thread
// still leaves its last report.
ServiceSlot& serviceSlot() {
  static ServiceSlot* s = new ServiceSlot;
  return *s;
}

DWORD waitHintMs(std::chrono::milliseconds hint) {
  return static_cast<DWORD>(std::clamp<int64_t>(hint.count(), 0, INT32_MAX));
}

// With the slot locked. A pending state's checkpoint grows with each report of that state, so
// the SCM sees progress; it is 0 otherwise, as SetServiceStatus wants.
void setStatusLocked(ServiceSlot& s, DWORD state, std::chrono::milliseconds wait_hint,
                     int exit_code = 0) {
  const bool pending = state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING;
  s.status.dwServiceType = SERVICE_WIN32_OWN_PROCESS;
  s.status.dwCheckPoint =
      pending ? (s.status.dwCurrentState == state ? s.status.dwCheckPoint + 1 : 1) : 0;
  s.status.dwCurrentState = state;
  // No controls while starting or stopping: a stop during the start waits until it runs.
  s.status.dwControlsAccepted =
      state == SERVICE_RUNNING ? SERVICE_ACCEPT_STOP | SERVICE_ACCEPT_SHUTDOWN : 0;
  s.status.dwWaitHint = pending ? waitHintMs(wait_hint) : 0;
  s.status.dwWin32ExitCode = exit_code == 0 ? NO_ERROR : ERROR_SERVICE_SPECIFIC_ERROR;
  s.status.dwServiceSpecificExitCode = static_cast<DWORD>(exit_code);
  SetServiceStatus(s.handle, &s.status);
}

DWORD WINAPI onControl(DWORD control, DWORD, LPVOID, LPVOID) {
  ServiceSlot& s = serviceSlot();
  switch (control) {
    case SERVICE_CONTROL_STOP:
    case SERVICE_CONTROL_SHUTDOWN: {
      {
        std::lock_guard<std::mutex> guard(s.mutex);
        if (s.status.dwCurrentState != SERVICE_RUNNING) return ERROR_SERVICE_CANNOT_ACCEPT_CTRL;
        setStatusLocked(s, SERVICE_STOP_PENDING, kStopWaitHint);
      }
      (*s.stop)();
      return NO_ERROR;
    }
    case SERVICE_CONTROL_INTERROGATE:
      return NO_ERROR;
    default:
      return ERROR_CALL_NOT_IMPLEMENTED;
  }
}

// The service's thread. The first status goes out before the body does anything: Wine's SCM
// stops a service that has not reported within its pipe timeout after the start control.
void WINAPI serviceMain(DWORD, LPWSTR*) {
  ServiceSlot& s = serviceSlot();
  // The name is not checked for a SERVICE_WIN32_OWN_PROCESS service.
  SERVICE_STATUS_HANDLE handle = RegisterServiceCtrlHandlerExW(L"", onControl, nullptr);
  if (handle == nullptr) {
    s.exit_code = static_cast<int>(GetLastError());
    return;
  }
  {
    std::lock_guard<std::mutex> guard(s.mutex);
    s.handle = handle;
    setStatusLocked(s, SERVICE_START_PENDING, kStartWaitHint);
  }
  int rc = kExitSoftware;
  try {
    rc = (*s.body)();
  } catch (...) {
  }
  std::lock_guard<std::mutex> guard(s.mutex);
  s.exit_code = rc;
  // The last call: the SCM may end the process any time after SERVICE_STOPPED.
  setStatusLocked(s, SERVICE_STOPPED, {}, rc);
  s.handle = nullptr;
}

}  // namespace

std::optional<int> runAsService(const std::function<int()>& body,
                                const std::function<void()>& stop) {
  // As Poco's ServerApplication decides: a process with standard output (a console or a
  // redirection) was started by a user or a program, never by the SCM, and skips the attempt.
  HANDLE out = GetStdHandle(STD_OUTPUT_HANDLE);
  if (out != nullptr && out != INVALID_HANDLE_VALUE) return std::nullopt;
  ServiceSlot& s = serviceSlot();
  s.body = &body;
  s.stop = &stop;
  wchar_t name[] = L"";
  SERVICE_TABLE_ENTRYW table[] = {{name, serviceMain}, {nullptr, nullptr}};
  // Returns once the service has stopped; fails at once (ERROR_FAILED_SERVICE_CONTROLLER_CONNECT)
  // when no SCM is waiting for this process.
  if (!StartServiceCtrlDispatcherW(table)) return std::nullopt;
  return s.exit_code;
}

bool runningAsService() {
  ServiceSlot& s = serviceSlot();
  std::lock_guard<std::mutex> guard(s.mutex);
  return s.handle != nullptr;
}

bool reportServiceState(ServiceState state, std::chrono::milliseconds wait_hint) {
  ServiceSlot& s = serviceSlot();
  std::lock_guard<std::mutex> guard(s.mutex);
  if (s.handle == nullptr) return false;
  if (s.status.dwCurrentState == SERVICE_STOP_PENDING && state != ServiceState::kStopping) {
    return true;
  }
  switch (state) {
    case ServiceState::kStarting:
      setStatusLocked(s, SERVICE_START_PENDING, wait_hint);
      break;
    case ServiceState::kRunning:
      setStatusLocked(s, SERVICE_RUNNING, {});
      break;
    case ServiceState::kStopping:
      setStatusLocked(s, SERVICE_STOP_PENDING, wait_hint);
      break;
  }
  return true;
}

bool extendServiceWait(std::chrono::milliseconds wait_hint) {
  ServiceSlot& s = serviceSlot();
  std::lock_guard<std::mutex> guard(s.mutex);
  if (s.handle == nullptr) return false;
  const DWORD state = s.status.dwCurrentState;
  if (state == SERVICE_START_PENDING || state == SERVICE_STOP_PENDING) {
    setStatusLocked(s, state, wait_hint);
  }
  return true;
}

int finishProcess(int code) {
  common::drainAccessLog();
  spdlog::shutdown();  // flushes every logger's sinks (stderr, log.file)
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  // Not through exit(): under Wine 8 the exit after a Ctrl-C now and then hung for good in a
  // static destructor, libstdc++'s for its __cxa_thread_atexit key (the per-thread list of
  // thread_local destructors): winpthreads' pthread_key_delete waited in
  // pthread_rwlock_wrlock on its key lock, with no other thread left in the process to release
  // it (winedbg: the main thread alone, in msvcrt's exit, _cexit, the atexit table; issue 18,
  // docs/windows.md). By now the daemon's threads are joined and its files closed, so the
  // static destructors have nothing left to do that the system does not do for an ended
  // process. ExitProcess skips them and still lets the DLLs detach (msvcrt flushes and closes
  // its streams there).
  ExitProcess(static_cast<UINT>(code));
}

}  // namespace cc::service
