#include "support/daemon_process.h"

#include <Poco/File.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <Poco/StreamCopier.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

namespace cc::testing {
namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string readFd(int fd) {
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  return out;
}

// Runs in the forked child: parks every descriptor above the target range first so that placing
// one at 3 + i cannot clobber another still to be placed.
void passFdsInChild(const std::vector<std::pair<int, std::string>>& fds) {
  const int first = 3;
  const int count = static_cast<int>(fds.size());
  std::vector<int> parked;
  for (const auto& entry : fds) parked.push_back(::fcntl(entry.first, F_DUPFD, first + count));
  std::string names;
  for (int i = 0; i < count; ++i) {
    ::dup2(parked[static_cast<std::size_t>(i)], first + i);
    ::close(parked[static_cast<std::size_t>(i)]);
    names += (i == 0 ? "" : ":") + fds[static_cast<std::size_t>(i)].second;
  }
  ::setenv("LISTEN_FDS", std::to_string(count).c_str(), 1);
  ::setenv("LISTEN_FDNAMES", names.c_str(), 1);
  ::setenv("LISTEN_PID", std::to_string(::getpid()).c_str(), 1);
}

}  // namespace

TempDir::TempDir() {
  std::string tmpl = "/tmp/cc-test-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  try {
    Poco::File(path_).remove(true);
  } catch (...) {
    // Best effort: a leftover temp dir must not fail a test.
  }
}

DaemonProcess::DaemonProcess(std::vector<std::string> args, std::string state_dir)
    : args_(std::move(args)), state_dir_(std::move(state_dir)) {
  if (state_dir_.empty()) {
    owned_dir_.emplace();
    state_dir_ = owned_dir_->path() + "/state";
  }
}

DaemonProcess::~DaemonProcess() {
  if (pid_ > 0 && !exited_) {
    ::kill(pid_, SIGTERM);
    if (!waitExit(std::chrono::seconds(10))) {
      ::kill(pid_, SIGKILL);
      waitExit(std::chrono::seconds(5));
    }
  }
}

int DaemonProcess::startExpectingExit(std::chrono::milliseconds timeout) {
  start();
  auto code = waitExit(timeout);
  return code ? *code : -1;
}

bool DaemonProcess::start() {
  Poco::File(state_dir_).createDirectories();
  std::vector<std::string> argv{CC_DAEMON_PATH, "-D",          "daemon.state_dir=" + state_dir_,
                                "-D",           "http.port=0", "-D",
                                "admin.port=0"};
  argv.insert(argv.end(), args_.begin(), args_.end());
  std::string log_path = state_dir_ + "/daemon.log";
  Poco::File(state_dir_ + "/listeners.json").exists() &&
      (Poco::File(state_dir_ + "/listeners.json").remove(), true);
  exited_ = false;
  pid_ = ::fork();
  if (pid_ == 0) {
    int fd = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    if (fd > 2) ::close(fd);
    for (const auto& [k, v] : env_) ::setenv(k.c_str(), v.c_str(), 1);
    if (!listen_fds_.empty()) passFdsInChild(listen_fds_);
    if (open_file_limit_ > 0) {
      rlimit limit{static_cast<rlim_t>(open_file_limit_), static_cast<rlim_t>(open_file_limit_)};
      if (::setrlimit(RLIMIT_NOFILE, &limit) != 0) ::_exit(126);
    }
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return false;
    }
    std::string text = readFile(state_dir_ + "/listeners.json");
    if (!text.empty()) {
      http_ = jsonField(text, "http");
      admin_ = jsonField(text, "admin");
      if (!http_.empty()) return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::optional<int> DaemonProcess::waitExit(std::chrono::milliseconds timeout) {
  if (exited_) return exit_status_;
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      exited_ = true;
      exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      return exit_status_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return std::nullopt;
}

void DaemonProcess::signal(int sig) { ::kill(pid_, sig); }

std::string DaemonProcess::adminToken() const {
  std::string t = readFile(state_dir_ + "/admin.token");
  while (!t.empty() && (t.back() == '\n' || t.back() == '\r')) t.pop_back();
  return t;
}

std::string DaemonProcess::log() const { return readFile(state_dir_ + "/daemon.log"); }

bool DaemonProcess::waitForLog(const std::string& text, std::chrono::milliseconds timeout) const {
  const auto until = std::chrono::steady_clock::now() + timeout;
  while (log().find(text) == std::string::npos) {
    if (std::chrono::steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return true;
}

HttpResult DaemonProcess::get(const std::string& path,
                              const std::map<std::string, std::string>& headers) {
  return httpRequest(http_, "GET", path, {}, headers);
}

HttpResult DaemonProcess::request(const std::string& method, const std::string& path,
                                  const std::string& body,
                                  const std::map<std::string, std::string>& headers) {
  return httpRequest(http_, method, path, body, headers);
}

HttpResult DaemonProcess::admin(const std::string& method, const std::string& path,
                                const std::string& body) {
  std::map<std::string, std::string> headers{{"Authorization", "Bearer " + adminToken()}};
  if (!body.empty()) headers["Content-Type"] = "application/json";
  return httpRequest(admin_, method, path, body, headers);
}

HttpResult httpRequest(const std::string& address, const std::string& method,
                       const std::string& path, const std::string& body,
                       const std::map<std::string, std::string>& headers, int timeout_ms) {
  HttpResult result;
  try {
    Poco::Net::HTTPClientSession session{Poco::Net::SocketAddress(address)};
    session.setTimeout(Poco::Timespan(timeout_ms * 1000LL));
    Poco::Net::HTTPRequest req(method, path, Poco::Net::HTTPMessage::HTTP_1_1);
    for (const auto& [k, v] : headers) req.set(k, v);
    if (!body.empty() || method == "POST" || method == "PUT" || method == "PATCH") {
      req.setContentLength(static_cast<std::streamsize>(body.size()));
    }
    std::ostream& out = session.sendRequest(req);
    out << body;
    Poco::Net::HTTPResponse resp;
    std::istream& in = session.receiveResponse(resp);
    result.status = resp.getStatus();
    for (const auto& [k, v] : resp) result.headers[k] = v;
    Poco::StreamCopier::copyToString(in, result.body);
  } catch (const Poco::Exception&) {
    result.status = 0;
  }
  return result;
}

std::string rawExchange(const std::string& address, const std::string& bytes, int timeout_ms) {
  std::string out;
  try {
    Poco::Net::StreamSocket s{Poco::Net::SocketAddress(address)};
    s.setReceiveTimeout(Poco::Timespan(timeout_ms * 1000LL));
    s.sendBytes(bytes.data(), static_cast<int>(bytes.size()));
    char buf[8192];
    int n;
    while ((n = s.receiveBytes(buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
  } catch (const Poco::Exception&) {
    // A timeout or reset ends the exchange; the caller checks what arrived.
  }
  return out;
}

RunResult runProgram(const std::vector<std::string>& argv, const std::string& input,
                     const std::map<std::string, std::string>& env) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (::pipe(in_pipe) != 0 || ::pipe(out_pipe) != 0 || ::pipe(err_pipe) != 0) {
    throw std::runtime_error("pipe failed");
  }
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(in_pipe[0], 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) {
      ::close(fd);
    }
    for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<std::string> args = argv;
    std::vector<char*> cargv;
    for (auto& a : args) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  std::thread writer([&] {
    std::size_t off = 0;
    while (off < input.size()) {
      ssize_t n = ::write(in_pipe[1], input.data() + off, input.size() - off);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
    ::close(in_pipe[1]);
  });
  RunResult r;
  std::thread err_reader([&] { r.err = readFd(err_pipe[0]); });
  r.out = readFd(out_pipe[0]);
  err_reader.join();
  writer.join();
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

std::string jsonField(const std::string& json, const std::string& dotted_path) {
  try {
    Poco::JSON::Parser parser;
    Poco::Dynamic::Var v = parser.parse(json);
    std::size_t start = 0;
    while (true) {
      std::size_t dot = dotted_path.find('.', start);
      std::string name = dotted_path.substr(start, dot == std::string::npos ? dot : dot - start);
      auto obj = v.extract<Poco::JSON::Object::Ptr>();
      if (!obj->has(name)) return "";
      v = obj->get(name);
      if (dot == std::string::npos) break;
      start = dot + 1;
    }
    if (v.type() == typeid(Poco::JSON::Object::Ptr) || v.type() == typeid(Poco::JSON::Array::Ptr)) {
      std::ostringstream out;
      if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
        v.extract<Poco::JSON::Object::Ptr>()->stringify(out);
      } else {
        v.extract<Poco::JSON::Array::Ptr>()->stringify(out);
      }
      return out.str();
    }
    return v.toString();
  } catch (const Poco::Exception&) {
    return "";
  }
}

}  // namespace cc::testing
