#pragma once
// Listening sockets passed in by systemd socket activation (sd_listen_fds(3)) or by our own
// re-exec, and the preparation of such a re-exec.

#include <Poco/Net/ServerSocket.h>

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/result.h"

namespace cc::service {

/// The first descriptor the service manager passes (SD_LISTEN_FDS_START).
constexpr int kListenFdsStart = 3;

/// The LISTEN_FDNAMES name of the admin API's Unix socket (admin.socket).
constexpr const char* kAdminUnixFdName = "admin-unix";

/// One descriptor passed between processes, with its LISTEN_FDNAMES name ("" when none was
/// given).
struct PassedFd {
  int fd = -1;
  std::string name;
};

/// Interprets the values of LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES. Returns no descriptors
/// when `listen_pid` is empty or names another process (the variables were inherited, not meant
/// for us). Fails on malformed numbers or a name list whose length differs from the count.
common::Result<std::vector<PassedFd>> parseListenFds(const std::string& listen_pid,
                                                     const std::string& listen_fds,
                                                     const std::string& listen_fdnames,
                                                     long own_pid);

/// Wraps a descriptor that must be a listening stream socket (SO_ACCEPTCONN) in a
/// Poco ServerSocket that owns it, and marks it close-on-exec. `what` names the descriptor in
/// the error (e.g. "LISTEN_FDS descriptor 3 (http)"). On failure the descriptor is left open.
common::Result<Poco::Net::ServerSocket> adoptListeningSocket(int fd, const std::string& what);

/// The listeners found among the passed descriptors; any may be absent, in which case the
/// daemon binds that listener from its configuration as usual.
struct ActivatedSockets {
  std::optional<Poco::Net::ServerSocket> http;
  std::optional<Poco::Net::ServerSocket> admin;
  /// The admin API's Unix socket (named "admin-unix"); always AF_UNIX. Whether it is used
  /// depends on admin.socket (see obtainUnixListener).
  std::optional<Poco::Net::ServerSocket> admin_unix;
  bool any() const { return http.has_value() || admin.has_value() || admin_unix.has_value(); }
};

/// Assigns passed descriptors to roles: a descriptor named "http", "admin" or "admin-unix"
/// takes that role; the others (unnamed, or named after their socket unit) fill the roles
/// "http" then "admin" still free; "admin-unix" is given only by name. Fails when two
/// descriptors claim one role or a descriptor is left without one (more than three passed, or
/// an unnamed one after http and admin are taken).
common::Result<std::vector<std::pair<std::string, int>>> assignListenRoles(
    const std::vector<PassedFd>& passed);

/// What sd_listen_fds(1) does, for the http, admin and admin-unix listeners: reads LISTEN_PID,
/// LISTEN_FDS and LISTEN_FDNAMES, removes them from the environment (always, so children do not
/// inherit them), and adopts the descriptors meant for this process. Fails when a descriptor is
/// not a listening stream socket, or the admin-unix one is not a Unix-domain socket. No
/// variables: nothing to adopt, Ok. Call it once, early in main, before any other thread starts
/// (it changes the environment).
common::Result<ActivatedSockets> takeActivatedSockets();

/// What to pass to execve so that the new image finds the listening sockets again.
struct ExecHandoff {
  std::string path;
  std::vector<std::string> argv;
  std::vector<std::string> env;  // "NAME=value"
  /// Inheritable descriptors that sat at 3, 4, ... and were moved out of the way: {old, new}.
  std::vector<std::pair<int, int>> moved_fds;
};

/// Prepares restart in place (exec of ourselves; the PID stays the same): puts the descriptor
/// of `sockets[i]` at 3 + i, inheritable, and returns `env` without any LISTEN_* variable plus
/// LISTEN_FDS=<count>, LISTEN_FDNAMES=<the names, ':'-separated, in order> and
/// LISTEN_PID=<this pid>; the daemon passes {http, admin} and, when it has one, {admin-unix}.
/// Fails, before touching any descriptor, on an empty list, a negative or repeated descriptor, or a
/// name that is empty or contains ':'. "--daemon" is dropped from `argv`: the process already is a
/// daemon and forking again would change the PID. Whatever else was at 3 ... 2 + count is replaced
/// (an inheritable descriptor is first moved up and listed in moved_fds). After this call the
/// process must exec or exit: those descriptors no longer belong to their previous owners. Not
/// thread-safe with respect to other fd-juggling code.
common::Result<ExecHandoff> prepareExecHandoff(const std::vector<PassedFd>& sockets,
                                               std::string path, std::vector<std::string> argv,
                                               const std::vector<std::string>& env);

/// The current process environment as "NAME=value" strings.
std::vector<std::string> currentEnvironment();

/// execve(handoff). Returns only on failure.
common::Status execHandoff(const ExecHandoff& handoff);

}  // namespace cc::service
