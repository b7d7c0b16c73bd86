#pragma once
// Starts the real controlcenterd on port 0 with a temporary state directory, for integration
// tests, and talks to it over sockets.

#include <sys/types.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace cc::testing {

struct HttpResult {
  int status = 0;  // 0: no answer (connection failed)
  std::map<std::string, std::string> headers;
  std::string body;
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
};

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

/// A temporary directory removed (recursively) on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// One daemon process. The destructor stops it (SIGTERM, then SIGKILL) and removes its state.
class DaemonProcess {
 public:
  /// `args` are appended after the defaults (-D daemon.state_dir=..., http.port=0, admin.port=0).
  explicit DaemonProcess(std::vector<std::string> args = {}, std::string state_dir = {});
  ~DaemonProcess();
  DaemonProcess(const DaemonProcess&) = delete;
  DaemonProcess& operator=(const DaemonProcess&) = delete;

  /// Adds an environment variable for the child; call before start().
  void setEnv(const std::string& name, const std::string& value) { env_[name] = value; }
  /// Starts the child with RLIMIT_NOFILE soft = hard = `limit` (as `ulimit -n` would); call
  /// before start().
  void setOpenFileLimit(int limit) { open_file_limit_ = limit; }
  /// Passes descriptors to the child as systemd socket activation does: at 3, 4, ... in this
  /// order, with LISTEN_FDS, LISTEN_FDNAMES (the names) and LISTEN_PID (the child's PID) set.
  /// The descriptors stay owned by the caller. Call before start().
  void passListenFds(std::vector<std::pair<int, std::string>> fds) { listen_fds_ = std::move(fds); }

  /// Starts and waits (up to 15 s) for listeners.json; false if the process exited first.
  bool start();
  /// Starts and waits for the process to exit; returns its exit code (for start-up failures).
  int startExpectingExit(std::chrono::milliseconds timeout);

  pid_t pid() const { return pid_; }
  const std::string& stateDir() const { return state_dir_; }
  std::string httpAddress() const { return http_; }
  std::string adminAddress() const { return admin_; }
  std::string adminToken() const;
  std::string log() const;
  /// Waits (up to `timeout`) for `text` to appear in the log; true once it has. For lines a thread
  /// of the daemon writes after the answer (the access log).
  bool waitForLog(const std::string& text,
                  std::chrono::milliseconds timeout = std::chrono::milliseconds(10000)) const;

  HttpResult get(const std::string& path, const std::map<std::string, std::string>& headers = {});
  HttpResult request(const std::string& method, const std::string& path,
                     const std::string& body = {},
                     const std::map<std::string, std::string>& headers = {});
  HttpResult admin(const std::string& method, const std::string& path,
                   const std::string& body = {});

  void signal(int sig);
  /// Waits for the process to exit; its exit code, or nullopt on timeout.
  std::optional<int> waitExit(std::chrono::milliseconds timeout);

 private:
  std::vector<std::string> args_;
  std::map<std::string, std::string> env_;
  std::vector<std::pair<int, std::string>> listen_fds_;
  int open_file_limit_ = 0;  // 0: inherited
  std::optional<TempDir> owned_dir_;
  std::string state_dir_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int exit_status_ = -1;
  std::string http_;
  std::string admin_;
};

/// An HTTP request to host:port with a fresh connection.
HttpResult httpRequest(const std::string& address, const std::string& method,
                       const std::string& path, const std::string& body = {},
                       const std::map<std::string, std::string>& headers = {},
                       int timeout_ms = 10000);

/// Sends raw bytes and returns everything the server answers until it closes (or timeout).
std::string rawExchange(const std::string& address, const std::string& bytes,
                        int timeout_ms = 5000);

/// Runs a program to completion with the given stdin; captures stdout and stderr.
RunResult runProgram(const std::vector<std::string>& argv, const std::string& input = {},
                     const std::map<std::string, std::string>& env = {});

/// Parses a JSON object's top-level field as text ("" when absent); a light check for tests.
std::string jsonField(const std::string& json, const std::string& dotted_path);

}  // namespace cc::testing
