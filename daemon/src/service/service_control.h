#pragma once
// The daemon as a Windows service: the service control manager's dispatcher and the states the
// service reports to it. On POSIX there is no such manager (systemd speaks sd_notify.h).

#include <chrono>
#include <functional>
#include <optional>

namespace cc::service {

/// What the service tells the SCM between its start and SERVICE_STOPPED.
enum class ServiceState { kStarting, kRunning, kStopping };

/// Windows: when the SCM started this process, connects to its dispatcher at once (the SCM
/// gives a new service process 30 s for that, Wine 10 s), reports SERVICE_START_PENDING, runs
/// `body` on the service's thread, reports SERVICE_STOPPED with body's exit code (NO_ERROR for 0,
/// else ERROR_SERVICE_SPECIFIC_ERROR carrying it) and returns that code. `stop` is called on the
/// dispatcher's thread for a stop or shutdown control once the service runs; it must only ask
/// `body` to return. nullopt when the SCM did not start the process (a console, another program):
/// the caller runs as a console program. POSIX: always nullopt, `body` never runs.
std::optional<int> runAsService(const std::function<int()>& body,
                                const std::function<void()>& stop);

/// True while runAsService() runs its body under the SCM. Thread-safe.
bool runningAsService();

/// Reports `state` to the SCM: SERVICE_RUNNING (stop and shutdown controls accepted from then
/// on), or a pending state with its next checkpoint and `wait_hint`, the time the SCM is to
/// allow until the next report. Once stopping, only kStopping is reported (a late kRunning does
/// not undo a stop). False when not running as a service (always on POSIX). Thread-safe.
bool reportServiceState(ServiceState state, std::chrono::milliseconds wait_hint);

/// The pending state in force (starting or stopping) goes on for up to `wait_hint` more: its
/// next checkpoint. Does nothing while running. False when not running as a service.
bool extendServiceWait(std::chrono::milliseconds wait_hint);

/// The daemon's last step once it has shut down (a console run or a service), called with its
/// exit code, whose result main returns. Both write the access log lines still queued first.
/// POSIX: returns `code`, and the process exits through the static destructors as usual (the
/// leak check runs there). Windows: flushes the logs and the
/// standard streams and ends the process with `code` (ExitProcess) without running the static
/// destructors (issue 18: under Wine one of them, libstdc++'s deletion of its thread_local
/// cleanup key, waited forever in winpthreads for a lock no thread held).
int finishProcess(int code);

}  // namespace cc::service
