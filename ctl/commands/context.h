#pragma once
// What a verb runs with: the streams, the resolved settings, the API clients, one error channel.

#include <Poco/Dynamic/Var.h>

#include <chrono>
#include <functional>
#include <istream>
#include <memory>
#include <optional>
#include <ostream>
#include <string>

#include "client/api_client.h"
#include "client/exit_code.h"
#include "client/settings.h"
#include "common/clock.h"

namespace cc::ctl {

/// The process's streams and environment; tests pass string streams, a fake clock and no-op
/// sleep. `in_fd` is the terminal read for passwords when `in_tty`.
struct Io {
  Io(std::ostream& out_stream, std::ostream& err_stream, std::istream& in_stream)
      : out(out_stream), err(err_stream), in(in_stream) {}

  std::ostream& out;
  std::ostream& err;
  std::istream& in;
  bool out_tty = false;
  bool err_tty = false;
  bool in_tty = false;
  int in_fd = 0;
  client::EnvLookup env;
  const common::Clock* clock = &common::Clock::system();
  std::function<void(std::chrono::milliseconds)> sleep;
};

/// The state one verb runs with. Verbs print results on out() and report a failure once through
/// fail(), which writes the message to stderr and returns the exit code. Single-threaded.
class Context {
 public:
  Context(Io& io, client::Settings settings, client::Endpoint public_endpoint,
          client::Endpoint admin_endpoint);

  const client::Settings& settings() const { return settings_; }
  std::ostream& out() { return io_.out; }
  std::ostream& err() { return io_.err; }
  Io& io() { return io_; }
  bool json() const { return settings_.output == client::OutputFormat::kJson; }
  /// Colour only for a table on a terminal.
  bool colour() const { return io_.out_tty && !json(); }

  /// The public API (no token).
  const client::ApiClient& publicApi();
  /// The admin API with the token file read on first use; an unreadable file makes every call
  /// fail with exit 4 and a message naming the file and the fix.
  const client::ApiClient& adminApi();

  /// A token for the public API, minted through the admin API (POST /admin/tokens) for `role`
  /// and `ttl_s` seconds. 0 with `token` set, or the exit code (reported).
  int mintToken(const std::string& role, int64_t ttl_s, std::string& token);
  /// The public API sending `token`, which came from `source` (for messages).
  std::unique_ptr<client::ApiClient> publicApiAs(const std::string& token,
                                                 const std::string& source);

  /// Reports a failed reply on stderr (once) and returns its exit code.
  int fail(const client::Reply& reply);
  /// Reports a problem on stderr and returns the exit code.
  int fail(client::ExitCode code, const std::string& message);
  /// Prints one JSON document (indented) on stdout and returns 0.
  int printJson(const Poco::Dynamic::Var& document);

  /// A password: prompted without echo on a terminal (twice when `confirm`), else the first line
  /// of stdin. nullopt at EOF or when the two entries differ (reported via fail's message).
  std::optional<std::string> readPassword(const std::string& prompt, bool confirm,
                                          std::string& problem);

  /// Sleeps through Io (tests make it advance a fake clock).
  void sleep(std::chrono::milliseconds duration);
  const common::Clock& clock() const { return *io_.clock; }

 private:
  Io& io_;
  client::Settings settings_;
  client::Endpoint public_endpoint_;
  client::Endpoint admin_endpoint_;
  std::unique_ptr<client::ApiClient> public_api_;
  std::unique_ptr<client::ApiClient> admin_api_;
};

}  // namespace cc::ctl
