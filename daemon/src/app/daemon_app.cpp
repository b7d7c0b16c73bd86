#include "app/daemon_app.h"

#include <Poco/File.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/Net.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Path.h>
#include <Poco/Process.h>
#include <Poco/Util/HelpFormatter.h>
#include <Poco/Util/IntValidator.h>
#include <Poco/Util/ServerApplication.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <limits>
#include <mutex>

#include "admin/admin_api.h"
#include "admin/admin_token.h"
#include "app/daemon_settings.h"
#include "app/descriptor_budget.h"
#include "app/listener_routes.h"
#include "app/memory_trimmer.h"
#include "app/overload_check.h"
#include "app/services.h"
#include "app/signal_waiter.h"
#include "common/allocator.h"
#include "common/logging.h"
#include "common/secret_file.h"
#include "config/config.h"
#include "config/key_table.h"
#include "health/health_registry.h"
#include "http/http_server.h"
#include "http/json_body.h"
#include "middleware/authenticator.h"
#include "middleware/breaker_stage.h"
#include "middleware/cors.h"
#include "middleware/request_metrics.h"
#include "service/open_file_limit.h"
#include "service/pid_lock.h"
#include "service/sd_notify.h"
#include "service/service_control.h"
#include "service/socket_activation.h"
#include "service/unix_listener.h"

namespace cc::app {
namespace {

using Poco::Util::Option;
using Poco::Util::OptionSet;

constexpr int kExitFailure = 1;
constexpr int kExitConfig = 78;  // EX_CONFIG, as sysexits(3)
// Set by restart in place to the admin.socket file the daemon created, so the next image
// removes it at shutdown; a socket passed by systemd has no such mark and its file stays.
constexpr const char* kOwnedAdminSocketVariable = "CONTROLCENTERD_OWNED_ADMIN_SOCKET";

Poco::Net::ServerSocket bindListener(const std::string& address, int port, int backlog,
                                     const std::string& what) {
  try {
    // Poco's convenience constructor also sets SO_REUSEPORT, which would let a second daemon
    // share the port silently; reuse the address only.
    Poco::Net::ServerSocket socket;
    socket.bind(Poco::Net::SocketAddress(address, static_cast<uint16_t>(port)), true, false);
    socket.listen(backlog);
    return socket;
  } catch (const Poco::Exception& e) {
    throw std::runtime_error("cannot listen on " + address + ":" + std::to_string(port) + " (" +
                             what + "): " + e.displayText());
  }
}

class DaemonApp final : public Poco::Util::ServerApplication, public admin::AdminBackend {
 public:
  DaemonApp() { setUnixOptions(true); }

  Poco::JSON::Object::Ptr status() const override;
  admin::ReloadOutcome reload() override;
  config::ConfigPtr effectiveConfig() const override {
    std::lock_guard<std::mutex> guard(config_mutex_);
    return config_;
  }
  bool setLogLevel(const std::string& level) override { return common::setLogLevel(level); }
  void requestRestart() override { signals_->post(LifecycleEvent::kRestart); }
  /// ServerApplication::run(argc, argv) for a process the Windows SCM runs (runService()).
  int runUnderServiceManager(int argc, char** argv) {
    config().setBool("application.runAsService", true);
    init(argc, argv);
    return run();
  }

 protected:
  void defineOptions(OptionSet& options) override;
  void handleOption(const std::string& name, const std::string& value) override;
  int main(const ArgVec& args) override;

 private:
  int serve(const DaemonSettings& settings);
  std::shared_ptr<http::Pipeline> buildPublicPipeline(const DaemonSettings& settings,
                                                      const std::string& metrics_key);
  std::shared_ptr<http::Pipeline> buildAdminPipeline(const std::string& admin_token);
  void applyReloadable(const DaemonSettings& next);
  void registerListenerMetrics();
  void checkOpenFileLimit(const config::Config& c);
  std::vector<http::ServerShedding> listenerShedding() const;
  void releaseMemoryAfterBursts();
  /// Once every auth.token_purge_interval_s (the first time at start), deletes the expired
  /// token records from the store, on the executor: the lifecycle loop only waits for signals.
  void purgeExpiredTokensWhenDue();
  void writeListenersFile() const;
  void drainListeners(bool restarting);
  void stopAdminUnix();
  int restartInPlace(std::unique_ptr<service::PidLock> lock);
  void printHelp() const;

  std::string config_file_;
  config::ConfigLoader::Defines defines_;
  bool check_config_ = false;
  bool show_version_ = false;
  bool show_help_ = false;
  std::string option_error_;

  mutable std::mutex config_mutex_;
  config::ConfigPtr config_;  // what is in force: the start-up keys and the reloaded ones
  int64_t started_wall_ms_ = 0;
  common::SteadyTime started_at_{};
  std::unique_ptr<Services> services_;
  std::shared_ptr<middleware::CorsStage> cors_;  // the public pipeline's, for reload
  std::unique_ptr<http::HttpServer> http_;
  std::unique_ptr<http::HttpServer> admin_;
  std::unique_ptr<http::HttpServer> admin_unix_;  // admin.socket, when set
  std::string admin_unix_owned_path_;             // removed at shutdown; "" if not ours
  std::unique_ptr<SignalWaiter> signals_;
  service::Notifier notifier_;
  std::unique_ptr<service::Watchdog> watchdog_;
  DescriptorBudget descriptor_budget_;
  std::optional<service::OpenFileLimit> open_file_limit_;  // as in force after start-up
  int allocator_arenas_ = 0;                               // as set at start; 0: the default
  std::optional<MemoryTrimmer> memory_trimmer_;            // run by the lifecycle loop
  std::chrono::seconds token_purge_interval_{3600};
  std::chrono::steady_clock::time_point next_token_purge_{};  // run by the lifecycle loop
};

void DaemonApp::defineOptions(OptionSet& options) {
  ServerApplication::defineOptions(options);
  options.addOption(Option("config", "c", "Read the configuration from FILE.")
                        .required(false)
                        .repeatable(false)
                        .argument("FILE"));
  options.addOption(Option("define", "D", "Set a configuration key (highest priority); repeatable.")
                        .required(false)
                        .repeatable(true)
                        .argument("key=value"));
  options.addOption(Option("check-config", "",
                           "Validate the configuration, print every problem "
                           "and exit 0 (valid) or 1 (invalid).")
                        .required(false)
                        .repeatable(false));
  options.addOption(Option("version", "", "Print the version and exit.").required(false));
  options.addOption(Option("help", "h", "Print this help and exit.").required(false));
}

void DaemonApp::handleOption(const std::string& name, const std::string& value) {
  ServerApplication::handleOption(name, value);
  if (name == "config") {
    config_file_ = value;
  } else if (name == "define") {
    std::pair<std::string, std::string> kv;
    if (!config::ConfigLoader::splitDefine(value, kv)) {
      option_error_ = "--define expects key=value, got '" + value + "'";
    } else {
      defines_.push_back(kv);
    }
  } else if (name == "check-config") {
    check_config_ = true;
  } else if (name == "version") {
    show_version_ = true;
    stopOptionsProcessing();
  } else if (name == "help") {
    show_help_ = true;
    stopOptionsProcessing();
  }
}

void DaemonApp::printHelp() const {
  Poco::Util::HelpFormatter help(options());
  help.setCommand("controlcenterd");
  help.setUsage("[--config FILE] [--define key=value ...] [--check-config]");
  help.setHeader("controlcenterd " CC_VERSION
                 ": serves host metrics, the agent/project registry and health probes over "
                 "HTTP.\nOptions:");
  help.setFooter(
      "Precedence: built-in defaults < --config FILE < --define. Signals: SIGTERM/SIGINT drain "
      "and exit, SIGHUP reloads. See controlcenterd(8) and docs/configuration.md.");
  help.setUnixStyle(true);
  help.format(std::cout);
}

int DaemonApp::main(const ArgVec& args) {
  if (show_help_) {
    printHelp();
    return EXIT_OK;
  }
  if (show_version_) {
    std::cout << "controlcenterd " << CC_VERSION << "\n";
    return EXIT_OK;
  }
  if (!option_error_.empty() || !args.empty()) {
    std::cerr << "controlcenterd: "
              << (option_error_.empty() ? "unexpected argument '" + args.front() + "'"
                                        : option_error_)
              << "; see --help\n";
    return EXIT_USAGE;
  }
#if defined(_WIN32)
  // The service manager starts a service without its command line (Poco passes only the start
  // parameters): without --config, the file beside the executable is the configuration.
  if (config_file_.empty()) {
    std::string beside = config().getString("application.dir", "") + "controlcenterd.properties";
    if (Poco::File(beside).exists()) config_file_ = beside;
  }
#endif
  SettingsResult built = DaemonSettings::load(config_file_, defines_);
  std::string source = config_file_.empty() ? "built-in defaults" : config_file_;
  if (!built.ok()) {
    for (const auto& p : built.problems) {
      std::cerr << "controlcenterd: config: " << p.message << "\n";
    }
    std::cerr << "controlcenterd: configuration from " << source << " is invalid ("
              << built.problems.size() << " problem" << (built.problems.size() == 1 ? "" : "s")
              << ")\n";
    return check_config_ ? kExitFailure : kExitConfig;
  }
  if (check_config_) {
    std::cout << "controlcenterd: configuration from " << source << " is valid\n";
    return EXIT_OK;
  }
  config_ = built.settings->config;
  try {
    return serve(*built.settings);
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    std::cerr << "controlcenterd: " << e.what() << "\n";
    return kExitFailure;
  }
}

int DaemonApp::serve(const DaemonSettings& settings) {
  const config::Config& c = *settings.config;
  common::setupLogging({settings.log_level, c.getString("log.file"), c.getString("log.format"),
                        common::stderrIsJournal()});

  checkOpenFileLimit(c);

  std::string state_dir = c.getString("daemon.state_dir");
  // 0700 when we create it, whatever the umask of the shell that started us.
  if (auto st = common::makePrivateDirectory(state_dir); !st.ok()) {
    std::cerr << "controlcenterd: cannot create daemon.state_dir " << state_dir << ": "
              << st.error().message << "\n";
    return kExitFailure;
  }

  auto lock = service::PidLock::acquire(c.getString("daemon.pidfile"));
  if (!lock) {
    std::cerr << "controlcenterd: " << lock.error().message << "\n";
    return kExitFailure;
  }
  auto admin_token = admin::loadOrCreateAdminToken(c.getString("admin.token_file"));
  if (!admin_token) {
    std::cerr << "controlcenterd: " << admin_token.error().message << "\n";
    return kExitFailure;
  }
  std::string metrics_key;
  if (settings.metrics_public) {
    auto key = common::readSecretFile(settings.metrics_public_key_file);
    if (!key || key->size() < 32) {
      std::cerr << "controlcenterd: metrics.public_key_file: "
                << (key ? settings.metrics_public_key_file +
                              " holds a key shorter than 32 characters (e.g. openssl rand -hex "
                              "32)"
                        : key.error().message)
                << "\n";
      return kExitConfig;
    }
    metrics_key = *key;
  }

  // Listeners come first: passed by systemd (or by our own re-exec), else bound here, so a
  // busy port fails before the store is touched.
  auto activated = service::takeActivatedSockets();
  if (!activated) {
    std::cerr << "controlcenterd: " << activated.error().message << "\n";
    return kExitFailure;
  }
  notifier_ = service::Notifier::fromEnvironment();
  std::optional<Poco::Net::ServerSocket> http_socket = activated->http;
  std::optional<Poco::Net::ServerSocket> admin_socket = activated->admin;
  try {
    if (!http_socket) {
      http_socket = bindListener(c.getString("http.address"), c.getInt32("http.port"),
                                 std::max(c.getInt32("http.queue"), 128), "http.address/http.port");
    }
    if (!admin_socket) {
      admin_socket = bindListener(c.getString("admin.address"), c.getInt32("admin.port"), 64,
                                  "admin.address/admin.port");
    }
  } catch (const std::exception& e) {
    std::cerr << "controlcenterd: " << e.what() << "\n";
    return kExitFailure;
  }

  // Block the daemon's signals before the first thread exists so every thread inherits it.
  signals_ = std::make_unique<SignalWaiter>();
  // Before the worker threads exist, so that they share the bounded arenas from the start.
  if (common::limitAllocatorArenas(c.getInt32("overload.allocator_arenas"))) {
    allocator_arenas_ = c.getInt32("overload.allocator_arenas");
  }
  memory_trimmer_.emplace(c.getInt("overload.release_memory_after_bytes"));
  token_purge_interval_ = std::chrono::seconds(c.getInt("auth.token_purge_interval_s"));
  started_at_ = std::chrono::steady_clock::now();
  started_wall_ms_ = common::Clock::system().wallMillis();

  // Migrations may take a while on a large database: tell systemd not to give up on us.
  notifier_.extendTimeout(std::chrono::seconds(90));
  auto services = Services::create(settings, common::Clock::system());
  if (!services) {
    std::cerr << "controlcenterd: " << services.error().message << "\n";
    spdlog::critical("cannot start: {}", services.error().message);
    return kExitFailure;
  }
  services_ = std::move(*services);

  http_ = std::make_unique<http::HttpServer>(
      *http_socket, std::make_shared<http::ServerSettings>(settings.http),
      buildPublicPipeline(settings, metrics_key), services_->reactor.get());
  http_->connectionLimiter().setLimit(settings.max_connections_per_client);
  // A trusted proxy carries many clients over its connections; follows ratelimit reloads.
  http_->connectionLimiter().setExempt(
      [stage = services_->rate_limit](const Poco::Net::IPAddress& address) {
        return stage->limiter().config().trusted_proxies.trusts(address);
      });
  auto admin_pipeline = buildAdminPipeline(*admin_token);
  admin_ = std::make_unique<http::HttpServer>(
      *admin_socket, std::make_shared<http::ServerSettings>(settings.admin), admin_pipeline,
      services_->reactor.get());
  // The admin Unix socket comes last: binding it may replace a stale file, which should not
  // happen when the daemon then fails to start for another reason.
  const char* owned = std::getenv(kOwnedAdminSocketVariable);
  const std::string owned_admin_socket = owned == nullptr ? "" : owned;
  const std::string admin_unix_path = c.getString("admin.socket");
  auto unix_socket =
      service::chooseUnixListener(admin_unix_path, activated->admin_unix, owned_admin_socket);
  if (!unix_socket) {
    std::cerr << "controlcenterd: " << unix_socket.error().message << "\n";
    return kExitFailure;
  }
  if (!unix_socket->dropped.empty()) {
    spdlog::warn("not using the passed admin-unix socket: {}; closed it{}{}", unix_socket->dropped,
                 unix_socket->dropped_file_removed ? " and removed " + unix_socket->dropped_path
                                                   : std::string(),
                 admin_unix_path.empty() ? "" : ", bound admin.socket " + admin_unix_path);
  }
  if (unix_socket->socket && (!unix_socket->adopted || owned_admin_socket == admin_unix_path)) {
    admin_unix_owned_path_ = admin_unix_path;
  }
  if (unix_socket->socket) {
    admin_unix_ = std::make_unique<http::HttpServer>(
        *unix_socket->socket, std::make_shared<http::ServerSettings>(settings.admin_unix),
        admin_pipeline, services_->reactor.get());
    admin_unix_->takeRoomFrom(*http_);
    admin_unix_->start();
  }
  admin_->takeRoomFrom(*http_);
  registerListenerMetrics();
  services_->health.add(
      "overload",
      [this] {
        const auto listeners = listenerShedding();
        return overloadCheck(DescriptorShedding::of(listeners), MemoryShedding::of(listeners),
                             std::chrono::steady_clock::now());
      },
      false);
  // Started before the listeners accept: connections that queued in the backlog meanwhile (a
  // restart in place) are served at once, and must not be told "starting".
  services_->health.setStarted(true);
  http_->start();
  admin_->start();
  writeListenersFile();
  std::string serving =
      "serving http://" + http_->boundAddress() + " and admin http://" + admin_->boundAddress();
  spdlog::info("controlcenterd {} (pid {}) {}; config: {}", CC_VERSION, Poco::Process::id(),
               serving, c.file().empty() ? "built-in defaults" : c.file());
  if (auto sent = notifier_.ready(serving); !sent) {
    spdlog::warn("sd_notify READY failed: {}, ignoring", sent.error().message);
  }
  watchdog_ = std::make_unique<service::Watchdog>(notifier_, [this] {
    auto st = http_->stats();
    return services_->alive(st.threads_busy, st.threads_max, st.requests_total);
  });
  watchdog_->start();

  LifecycleEvent event = LifecycleEvent::kNone;
  auto last_status = std::chrono::steady_clock::now();
  int64_t last_requests = 0;
  while (event != LifecycleEvent::kTerminate && event != LifecycleEvent::kRestart) {
    event = signals_->wait(std::chrono::milliseconds(1000));
    releaseMemoryAfterBursts();
    purgeExpiredTokensWhenDue();
    if (event == LifecycleEvent::kReload) {
      spdlog::info("SIGHUP: reloading configuration");
      notifier_.reloading("reloading the configuration");
      reload();
      notifier_.ready(serving);
    }
    auto now = std::chrono::steady_clock::now();
    if (notifier_.enabled() && now - last_status >= std::chrono::seconds(5)) {
      auto st = http_->stats();
      auto pool = services_->store->poolStats();
      double secs = std::chrono::duration<double>(now - last_status).count();
      char line[160];
      std::snprintf(line, sizeof line, "serving; %.0f req/s; pool %d/%d; %d connection(s)",
                    double(st.requests_total - last_requests) / secs, pool.in_use, pool.max,
                    st.connections_current);
      notifier_.status(line);
      last_status = now;
      last_requests = st.requests_total;
    }
  }

  if (event == LifecycleEvent::kRestart) return restartInPlace(std::move(*lock));
  notifier_.stopping("draining in-flight requests");
  drainListeners(false);
  watchdog_->stop();
  Poco::File(c.getString("daemon.state_dir") + "/listeners.json").remove();
  http_->stop();
  admin_->stop();
  stopAdminUnix();
  services_.reset();
  spdlog::info("stopped");
  return EXIT_OK;
}

void DaemonApp::drainListeners(bool restarting) {
  int64_t grace_ms = 0;
  {
    std::lock_guard<std::mutex> guard(config_mutex_);
    grace_ms = config_->getInt("daemon.shutdown_grace_ms");
  }
  spdlog::info("{}: not ready, draining in-flight requests (grace {} ms)",
               restarting ? "restarting" : "shutting down", grace_ms);
  // The public drain may take the whole grace, the admin listeners a second each: tell the
  // service manager (systemd's stop or reload timeout, the Windows SCM's wait hint).
  notifier_.extendTimeout(std::chrono::milliseconds(grace_ms) + std::chrono::seconds(5));
  services_->health.setDraining(true);
  http_->setDraining();
  admin_->setDraining();
  if (admin_unix_) admin_unix_->setDraining();
  http_->stopAccepting();
  services_->hub->shutdown();
  bool drained = http_->drain(std::chrono::milliseconds(grace_ms));
  admin_->stopAccepting();
  admin_->drain(std::chrono::milliseconds(std::min<int64_t>(grace_ms, 1000)));
  if (admin_unix_) {
    admin_unix_->stopAccepting();
    admin_unix_->drain(std::chrono::milliseconds(std::min<int64_t>(grace_ms, 1000)));
  }
  if (!drained) {
    auto s = http_->stats();
    spdlog::warn("{} connection(s) still busy after daemon.shutdown_grace_ms; exiting anyway",
                 s.connections_current + s.connections_queued);
    watchdog_->stop();
    if (!restarting) {
      Poco::File(config_->getString("daemon.state_dir") + "/listeners.json").remove();
    }
    common::drainAccessLog();
    spdlog::shutdown();
    std::_Exit(restarting ? kExitFailure : EXIT_OK);
  }
}

int DaemonApp::restartInPlace(std::unique_ptr<service::PidLock> lock) {
  notifier_.reloading("restarting in place");
  drainListeners(true);
  watchdog_->stop();
  // The listening sockets stay open across exec (the servers are stopped, not destroyed):
  // connections arriving meanwhile wait in the kernel backlog instead of being refused, and the
  // admin.socket file is neither removed nor bound again.
  // Descriptors are ints where exec can pass them on (Windows refuses a restart in place).
  std::vector<service::PassedFd> sockets{
      {static_cast<int>(http_->socket().impl()->sockfd()), "http"},
      {static_cast<int>(admin_->socket().impl()->sockfd()), "admin"}};
  http_->stop();
  admin_->stop();
  std::vector<std::string> env = service::currentEnvironment();
  const std::string owned_prefix = std::string(kOwnedAdminSocketVariable) + "=";
  env.erase(std::remove_if(env.begin(), env.end(),
                           [&](const std::string& e) { return e.rfind(owned_prefix, 0) == 0; }),
            env.end());
  if (admin_unix_) {
    sockets.push_back(
        {static_cast<int>(admin_unix_->socket().impl()->sockfd()), service::kAdminUnixFdName});
    admin_unix_->stop();
    if (!admin_unix_owned_path_.empty()) {
      env.push_back(owned_prefix + admin_unix_owned_path_);
    }
  }
  services_.reset();
  // Let the lock go before the listeners move to descriptors 3, 4, ...: its descriptor may be
  // one of them, and closing it after the move would close a listener instead.
  lock->release();  // the new image takes the lock again; the file stays
  lock.reset();
  auto handoff =
      service::prepareExecHandoff(sockets, config().getString("application.path"), argv(), env);
  if (!handoff) {
    spdlog::critical("restart failed: {}", handoff.error().message);
    return kExitFailure;
  }
  spdlog::info("re-executing {} with the listening sockets", handoff->path);
  common::drainAccessLog();
  spdlog::default_logger()->flush();
  auto failed = service::execHandoff(*handoff);
  spdlog::critical("restart failed: {}", failed.error().message);
  return kExitFailure;
}

void DaemonApp::writeListenersFile() const {
  std::string dir = config_->getString("daemon.state_dir");
  std::string tmp = dir + "/listeners.json.tmp";
  {
    // Like every file in the state directory, owner-only (ofstream keeps an existing mode).
    if (auto st = common::makePrivateFile(tmp); !st.ok()) {
      spdlog::warn("{}; listeners.json takes the umask's mode", st.error().message);
    }
    std::ofstream out(tmp, std::ios::trunc);
    out << "{\"http\":\"" << http_->boundAddress() << "\",\"admin\":\"" << admin_->boundAddress()
        << "\",\"pid\":" << Poco::Process::id() << "}\n";
  }
  Poco::File(tmp).renameTo(dir + "/listeners.json");
}

// Raises the soft limit as far as the configuration needs (systemd and shells start daemons at
// 1024 with a far higher hard limit, kept low for select() users; we use epoll), and warns once
// when even the hard limit is short.
void DaemonApp::checkOpenFileLimit(const config::Config& c) {
  descriptor_budget_ = DescriptorBudget::of(c);
  auto before = service::openFileLimit();
  open_file_limit_ = service::raiseOpenFileLimit(descriptor_budget_.needed);
  if (before && open_file_limit_ && open_file_limit_->soft > before->soft) {
    spdlog::info("raised the RLIMIT_NOFILE soft limit from {} to {} (hard limit {})", before->soft,
                 open_file_limit_->soft, open_file_limit_->hard);
  }
  auto soft = open_file_limit_ ? std::optional<int64_t>(open_file_limit_->soft) : std::nullopt;
  if (auto warning = descriptorLimitWarning(descriptor_budget_, soft)) spdlog::warn("{}", *warning);
}

std::vector<http::ServerShedding> DaemonApp::listenerShedding() const {
  std::vector<http::ServerShedding> all{http_->shedding(), admin_->shedding()};
  if (admin_unix_) all.push_back(admin_unix_->shedding());
  return all;
}

void DaemonApp::purgeExpiredTokensWhenDue() {
  const auto now = std::chrono::steady_clock::now();
  if (now < next_token_purge_) return;
  next_token_purge_ = now + token_purge_interval_;
  auth::TokenService* tokens = services_->tokens.get();
  const bool queued = services_->executor->submit([tokens] {
    auto purged = tokens->purgeExpired(std::chrono::steady_clock::now() + std::chrono::seconds(10));
    if (!purged.ok()) {
      spdlog::warn("deleting expired tokens failed: {}; tried again in auth.token_purge_interval_s",
                   purged.error().message);
    } else if (*purged > 0) {
      spdlog::info("deleted {} expired token record(s)", *purged);
    }
  });
  // The executor full of requests: the next loop tries again.
  if (!queued) next_token_purge_ = now;
}

void DaemonApp::releaseMemoryAfterBursts() {
  int64_t passed = 0;
  for (const auto& s : listenerShedding()) {
    passed += s.request_memory.reserved_total + s.response_memory.reserved_total;
  }
  if (memory_trimmer_->tick(passed)) {
    spdlog::debug("gave free memory back to the system ({} release(s) since start)",
                  memory_trimmer_->releases());
  }
}

void DaemonApp::registerListenerMetrics() {
  services_->metrics.addCollector([this](std::vector<metrics::CollectedFamily>& out) {
    auto s = http_->stats();
    out.push_back({"controlcenter_http_connections",
                   "Connections of the public listener: served by a worker (active), waiting "
                   "for one (queued), or keep-alive between requests holding none (idle).",
                   metrics::MetricType::kGauge,
                   {{{{"state", "active"}}, double(s.connections_current)},
                    {{{"state", "queued"}}, double(s.connections_queued)},
                    {{{"state", "idle"}}, double(s.connections_idle)}},
                   {}});
    out.push_back({"controlcenter_http_connections_refused_total",
                   "Connections answered at accept and closed: queue_full (http.queue, 503) or "
                   "per_client (http.max_connections_per_client, 429).",
                   metrics::MetricType::kCounter,
                   {{{{"reason", "queue_full"}}, double(s.connections_refused)},
                    {{{"reason", "per_client"}}, double(s.connections_refused_per_client)}},
                   {}});
    out.push_back({"controlcenter_http_loop_requests_total",
                   "Requests of the public listener answered by an event loop, without a "
                   "worker (/health, the system views, rejections).",
                   metrics::MetricType::kCounter,
                   {{{}, double(s.requests_on_loops)}},
                   {}});
    out.push_back({"controlcenter_http_slow_readers_total",
                   "Connections of the public listener closed because the client read none of "
                   "a response for http.send_timeout_ms (their worker and buffers freed).",
                   metrics::MetricType::kCounter,
                   {{{}, double(s.slow_readers_closed)}},
                   {}});
  });
  services_->metrics.addCollector([this](std::vector<metrics::CollectedFamily>& out) {
    const auto listeners = listenerShedding();
    const auto shedding = DescriptorShedding::of(listeners);
    const auto memory = MemoryShedding::of(listeners);
    out.push_back({"controlcenter_accept_failures_total",
                   "Failed accept() calls on any listener, out of file descriptors included "
                   "(logged at most once every 10 s with a count).",
                   metrics::MetricType::kCounter,
                   {{{}, double(shedding.accept_failures)}},
                   {}});
    out.push_back(
        {"controlcenter_overload_shed_total",
         "Load shed to stay within a budget: with resource=\"descriptors\", "
         "action=\"refused\" counts connections answered 503 overloaded on the "
         "reserved descriptor, action=\"idle_closed\" idle keep-alive connections "
         "closed (oldest first) to make room; with resource=\"request_memory\", requests "
         "refused for want of room for their body; with resource=\"response_memory\", answers "
         "replaced by 503 overloaded for want of room to hold them until sent.",
         metrics::MetricType::kCounter,
         {{{{"resource", "descriptors"}, {"action", "refused"}}, double(shedding.refused)},
          {{{"resource", "descriptors"}, {"action", "idle_closed"}}, double(shedding.idle_closed)},
          {{{"resource", "request_memory"}, {"action", "refused"}},
           double(memory.requests.refused)},
          {{{"resource", "response_memory"}, {"action", "refused"}},
           double(memory.responses.refused)}},
         {}});
    out.push_back({"controlcenter_overload_request_bytes",
                   "Bytes of request bodies held in memory by requests in flight, all "
                   "listeners (each bounded by overload.max_request_bytes).",
                   metrics::MetricType::kGauge,
                   {{{}, double(memory.requests.held)}},
                   {}});
    out.push_back({"controlcenter_overload_response_bytes",
                   "Bytes of answers held in memory until they have been sent, all listeners "
                   "(each bounded by overload.max_response_bytes).",
                   metrics::MetricType::kGauge,
                   {{{}, double(memory.responses.held)}},
                   {}});
  });
}

void DaemonApp::applyReloadable(const DaemonSettings& next) {
  common::setLogLevel(next.log_level);
  services_->reload(next);
  if (cors_) cors_->setPolicy(next.cors);
  http_->connectionLimiter().setLimit(next.max_connections_per_client);
  // Every listener, the admin Unix socket too: each was built from the same keys at start.
  http_->settings().applyReloadable(next.http);
  admin_->settings().applyReloadable(next.admin);
  if (admin_unix_) admin_unix_->settings().applyReloadable(next.admin_unix);
}

namespace {
// The handler of every route runs through the RouteRunner: its deadline, the executor, the cache.
void useRunner(http::Pipeline& pipeline, middleware::RouteRunner* runner) {
  pipeline.setInvoker([runner](http::RequestContext& ctx,
                               const http::Route& route) { return runner->run(ctx, route); },
                      [runner](const http::RequestContext& ctx, const http::Route& route) {
                        return runner->pace(ctx, route);
                      },
                      [runner](http::RequestContext& ctx, const http::Route& route,
                               std::function<void(http::Reply)> done) {
                        runner->submit(ctx, route, std::move(done));
                      });
}
}  // namespace

std::shared_ptr<http::Pipeline> DaemonApp::buildPublicPipeline(const DaemonSettings& settings,
                                                               const std::string& metrics_key) {
  Services& s = *services_;
  auto router = std::make_shared<http::Router>();
  addPublicRoutes(*router, s, started_at_, metrics_key);

  // The fixed sequence every request passes: count it; answer a browser's preflight (before
  // the rate limit, so it costs no token and a 429 still reaches the page with its CORS
  // headers, and before authentication, since a preflight carries no token); rate-limit it
  // (cheapest rejection first), guard the store (token validation may need it, so its failures
  // count too), authenticate it; then the handler runs within its deadline.
  auto pipeline = std::make_shared<http::Pipeline>(router);
  pipeline->use(std::make_shared<middleware::RequestMetrics>(s.metrics));
  cors_ = std::make_shared<middleware::CorsStage>(router, settings.cors, s.metrics);
  pipeline->use(cors_);
  pipeline->use(s.rate_limit);
  // The client behind trusted proxies, resolved once when each request's context is built.
  pipeline->setClientResolver(
      [stage = s.rate_limit](const std::string& peer, const std::string& forwarded_for) {
        return stage->clientAddress(peer, forwarded_for);
      });
  store::Store* store = s.store.get();
  pipeline->use(std::make_shared<middleware::BreakerStage>(
      *s.db_breaker, [store](common::SteadyTime deadline) { return store->probeWrite(deadline); }));
  pipeline->use(std::make_shared<middleware::Authenticator>(*s.tokens));
  useRunner(*pipeline, s.runner.get());
  return pipeline;
}

std::shared_ptr<http::Pipeline> DaemonApp::buildAdminPipeline(const std::string& admin_token) {
  Services& s = *services_;
  auto router = std::make_shared<http::Router>();
  addAdminListenerRoutes(*router, s, *this);
  auto pipeline = std::make_shared<http::Pipeline>(router);
  pipeline->use(std::make_shared<admin::AdminAuth>(admin_token));
  useRunner(*pipeline, s.runner.get());
  return pipeline;
}

// At shutdown only: a restart in place hands the socket over with its file in place. A file
// systemd created stays, or a stopped service would leave its socket unit unreachable.
void DaemonApp::stopAdminUnix() {
  if (!admin_unix_) return;
  admin_unix_->stop();
  admin_unix_.reset();
  if (!admin_unix_owned_path_.empty()) service::removeUnixListener(admin_unix_owned_path_);
}

admin::ReloadOutcome DaemonApp::reload() {
  admin::ReloadOutcome outcome;
  SettingsResult built = DaemonSettings::load(config_file_, defines_);
  if (!built.ok()) {
    for (const auto& p : built.problems) outcome.problems.push_back(p.message);
    for (const auto& p : outcome.problems) spdlog::error("reload rejected: {}", p);
    spdlog::error("reload rejected ({} problem{}); the running configuration stays",
                  outcome.problems.size(), outcome.problems.size() == 1 ? "" : "s");
    return outcome;
  }
  const DaemonSettings& next = *built.settings;
  std::lock_guard<std::mutex> guard(config_mutex_);
  for (auto& change : config::diff(*config_, *next.config)) {
    (change.reloadable ? outcome.applied : outcome.needs_restart).push_back(change);
  }
  config_ = config::ConfigLoader::withReloadable(*config_, *next.config);
  // Built from the whole new file, the settings' reloadable parts are those of config_: each
  // component takes only what a reload may change.
  applyReloadable(next);
  for (const auto& ch : outcome.applied) {
    spdlog::info("reload: {} = {} (was {})", ch.key, ch.new_value, ch.old_value);
  }
  for (const auto& ch : outcome.needs_restart) {
    spdlog::warn("reload: {} changed to {} but takes effect only after a restart", ch.key,
                 ch.new_value);
  }
  return outcome;
}

Poco::JSON::Object::Ptr DaemonApp::status() const {
  auto o = http::newObject();
  auto now = std::chrono::steady_clock::now();
  o->set("version", CC_VERSION);
  o->set("pid", static_cast<int64_t>(Poco::Process::id()));
  o->set("started_at", common::formatIsoTime(started_wall_ms_));
  o->set("uptime_s", std::chrono::duration<double>(now - started_at_).count());
  {
    std::lock_guard<std::mutex> guard(config_mutex_);
    // null, not "", when only built-in defaults and --define apply.
    o->set("config_file",
           config_->file().empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(config_->file()));
  }
  o->set("log_level", common::logLevel());
  o->set("draining", services_->health.draining());
  auto listeners = http::newObject();
  listeners->set("http", http_->boundAddress());
  listeners->set("admin", admin_->boundAddress());
  o->set("listeners", listeners);
  auto s = http_->stats();
  auto h = http::newObject();
  h->set("threads_busy", s.threads_busy);
  h->set("threads_max", s.threads_max);
  h->set("connections_current", s.connections_current);
  h->set("connections_queued", s.connections_queued);
  h->set("connections_idle", s.connections_idle);
  h->set("event_loops", s.event_loops);
  h->set("requests_on_loops", s.requests_on_loops);
  h->set("connections_refused", s.connections_refused);
  h->set("connections_refused_per_client", s.connections_refused_per_client);
  h->set("clients_connected", s.clients_connected);
  h->set("max_connections_per_client", http_->connectionLimiter().limit());
  h->set("connections_total", s.connections_total);
  h->set("requests_total", s.requests_total);
  h->set("slow_readers_closed", s.slow_readers_closed);
  h->set("inflight", s.inflight);
  o->set("http", h);
  o->set("websockets", services_->hub->statusJson());
  o->set("redis", services_->redisStatus());
  o->set("bus", services_->busStatus());
  const auto shedding = DescriptorShedding::of(listenerShedding());
  auto d = http::newObject();
  // null where there is no limit to read (Windows); an unlimited one is shown as null too.
  const bool limited =
      open_file_limit_ && open_file_limit_->soft < std::numeric_limits<int64_t>::max();
  d->set("limit", limited ? Poco::Dynamic::Var(open_file_limit_->soft) : Poco::Dynamic::Var());
  d->set("needed", descriptor_budget_.needed);
  d->set("accept_failures", shedding.accept_failures);
  d->set("refused", shedding.refused);
  d->set("idle_closed", shedding.idle_closed);
  d->set("exhausted_s_ago",
         shedding.last
             ? Poco::Dynamic::Var(std::chrono::duration<double>(now - *shedding.last).count())
             : Poco::Dynamic::Var());
  auto overload = http::newObject();
  overload->set("descriptors", d);
  const auto memory = MemoryShedding::of(listenerShedding());
  auto budget = [&](const http::BudgetStats& b) {
    auto m = http::newObject();
    m->set("limit", b.limit);
    m->set("held", b.held);
    m->set("refused", b.refused);
    m->set("exhausted_s_ago",
           b.exhausted_at
               ? Poco::Dynamic::Var(std::chrono::duration<double>(now - *b.exhausted_at).count())
               : Poco::Dynamic::Var());
    return m;
  };
  overload->set("request_memory", budget(memory.requests));
  overload->set("response_memory", budget(memory.responses));
  auto allocator = http::newObject();
  allocator->set("arenas", allocator_arenas_ > 0 ? Poco::Dynamic::Var(allocator_arenas_)
                                                 : Poco::Dynamic::Var());
  allocator->set("releases", memory_trimmer_ ? memory_trimmer_->releases() : 0);
  overload->set("allocator", allocator);
  o->set("overload", overload);
  return o;
}

bool startNetwork() {
  // Poco starts Winsock from a static initializer in Net.cpp that a static MinGW link leaves out
  // (MSVC builds force it in with a linker pragma); on POSIX this does nothing.
  try {
    Poco::Net::initializeNetwork();
    return true;
  } catch (const Poco::Exception& e) {
    std::cerr << "controlcenterd: " << e.displayText() << "\n";
    return false;
  }
}

// The daemon under the Windows SCM, on the service's thread: what ServerApplication::run() does
// for a console, without its service options (they make no sense for a running service).
int runService(int argc, char** argv) {
  if (!startNetwork()) return kExitFailure;
  DaemonApp app;
  try {
    return app.runUnderServiceManager(argc, argv);
  } catch (const Poco::Exception& e) {
    spdlog::critical("{}", e.displayText());
    return Poco::Util::Application::EXIT_SOFTWARE;
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    return Poco::Util::Application::EXIT_SOFTWARE;
  }
}

}  // namespace

int runDaemon(int argc, char** argv) {
  // Under the SCM the process becomes the service before anything else (the SCM allows a new
  // service process 30 s to connect, Wine 10 s) and reports SERVICE_RUNNING only once it serves:
  // Poco's own ServiceMain reports it before main() has even read the configuration. The
  // options are the process's command line (the service's ImagePath), not the start parameters.
  if (auto rc = service::runAsService([&] { return runService(argc, argv); },
                                      [] { Poco::Util::ServerApplication::terminate(); })) {
    return service::finishProcess(*rc);
  }
  if (!startNetwork()) return kExitFailure;
  int rc = 0;
  {
    DaemonApp app;
    rc = app.run(argc, argv);
  }  // the application's own clean-up (its threads joined) before the process ends
  return service::finishProcess(rc);
}

}  // namespace cc::app
