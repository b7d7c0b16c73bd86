#include "commands/version.h"

#include <Poco/Version.h>

#include "client/json_fields.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/verbs.h"

namespace cc::ctl {
namespace {

std::string compilerName() {
#if defined(__clang__)
  return "clang " + std::to_string(__clang_major__) + "." + std::to_string(__clang_minor__) + "." +
         std::to_string(__clang_patchlevel__);
#elif defined(__GNUC__)
  return "gcc " + std::to_string(__GNUC__) + "." + std::to_string(__GNUC_MINOR__) + "." +
         std::to_string(__GNUC_PATCHLEVEL__);
#elif defined(_MSC_VER)
  return "msvc " + std::to_string(_MSC_VER);
#else
  return "unknown";
#endif
}

std::string platformName() {
#if defined(__linux__)
  std::string os = "linux";
#elif defined(_WIN32)
  std::string os = "windows";
#else
  std::string os = "unknown";
#endif
#if defined(__x86_64__) || defined(_M_X64)
  return os + " x86_64";
#elif defined(__aarch64__) || defined(_M_ARM64)
  return os + " aarch64";
#else
  return os;
#endif
}

}  // namespace

Poco::JSON::Object::Ptr ctlBuildJson() {
  auto out = client::orderedObject();
  out->set("version", CC_VERSION);
  out->set("compiler", compilerName());
  // POCO_VERSION is 0xMMmmpp00.
  out->set("poco", std::to_string((POCO_VERSION >> 24) & 0xFF) + "." +
                       std::to_string((POCO_VERSION >> 16) & 0xFF) + "." +
                       std::to_string((POCO_VERSION >> 8) & 0xFF));
  out->set("platform", platformName());
  return out;
}

int runVersion(Context& ctx, const Invocation&) {
  client::Reply reply = ctx.publicApi().get("/health");
  const std::string daemon = client::text(reply.object(), "version");
  // A 503 health answer still names the version; only no answer at all is a failure.
  if (daemon.empty() && !reply.ok()) {
    if (!ctx.json()) ctx.out() << "controlcenterctl " << CC_VERSION << "\n";
    return ctx.fail(reply);
  }
  if (ctx.json()) {
    auto out = client::orderedObject();
    out->set("ctl", CC_VERSION);
    out->set("daemon", daemon);
    out->set("ctl_build", ctlBuildJson());
    return ctx.printJson(out);
  }
  ctx.out() << "controlcenterctl " << CC_VERSION << "\ncontrolcenterd   " << daemon << "\n";
  return 0;
}

}  // namespace cc::ctl
