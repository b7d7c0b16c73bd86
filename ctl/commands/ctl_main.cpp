#include "commands/ctl_main.h"

#include <Poco/Exception.h>
#include <Poco/Net/Net.h>
#include <unistd.h>

#include <csignal>

#include <exception>
#include <iostream>

#include "client/exit_code.h"
#include "client/output.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/version.h"

namespace cc::ctl {
namespace {

int usageError(Io& io, const std::string& message) {
  io.err << "controlcenterctl: " << message << "\n";
  return client::toInt(client::ExitCode::kUsage);
}

}  // namespace

int runCtl(const std::vector<std::string>& args, Io& io) {
  auto parsed = parseCommandLine(args);
  if (!parsed.ok()) return usageError(io, parsed.error().message);
  const CommandLine& line = parsed.value();
  if (line.version) {
    // Local and fast: the daemon's version is `controlcenterctl version`.
    if (line.global.output == client::OutputFormat::kJson) {
      client::printJsonDocument(io.out, ctlBuildJson());
    } else {
      io.out << "controlcenterctl " << CC_VERSION << "\n";
    }
    return 0;
  }
  if (line.help) {
    io.out << (line.invocation.verb != nullptr ? verbHelpText(*line.invocation.verb) : helpText());
    return 0;
  }
  if (line.invocation.verb->local) {
    client::Settings local;
    local.output = line.global.output;
    Context ctx(io, local, client::Endpoint{}, client::Endpoint{});
    return line.invocation.verb->run(ctx, line.invocation);
  }
  auto settings = client::resolveSettings(line.global, io.env);
  if (!settings.ok()) return usageError(io, settings.error().message);
  auto public_endpoint = client::Endpoint::parse(settings->url);
  if (!public_endpoint.ok()) {
    return usageError(
        io, "public API URL from " + settings->url_source + ": " + public_endpoint.error().message);
  }
  auto admin_endpoint = client::Endpoint::parse(settings->admin);
  if (!admin_endpoint.ok()) {
    return usageError(
        io, "admin API URL from " + settings->admin_source + ": " + admin_endpoint.error().message);
  }
  Context ctx(io, settings.value(), public_endpoint.value(), admin_endpoint.value());
  try {
    return line.invocation.verb->run(ctx, line.invocation);
  } catch (const std::exception& e) {
    return ctx.fail(client::ExitCode::kFailure, std::string("unexpected error: ") + e.what());
  }
}

int runCtl(int argc, char** argv) {
  // A daemon that closes a connection, or a reader of stdout that stops (export | head), is an
  // error to report, not a reason to die without a word.
#ifdef SIGPIPE  // Windows has none: there a write to a closed pipe or socket just fails
  std::signal(SIGPIPE, SIG_IGN);
#endif
  // Winsock, which Poco's static initializer would start were it linked in (see runDaemon).
  try {
    Poco::Net::initializeNetwork();
  } catch (const Poco::Exception& e) {
    std::cerr << "controlcenterctl: " << e.displayText() << "\n";
    return static_cast<int>(client::ExitCode::kFailure);
  }
  std::vector<std::string> args(argv + 1, argv + argc);
  Io io(std::cout, std::cerr, std::cin);
  io.out_tty = isatty(STDOUT_FILENO) == 1;
  io.err_tty = isatty(STDERR_FILENO) == 1;
  io.in_tty = isatty(STDIN_FILENO) == 1;
  io.in_fd = STDIN_FILENO;
  io.env = client::processEnvironment();
  return runCtl(args, io);
}

}  // namespace cc::ctl
