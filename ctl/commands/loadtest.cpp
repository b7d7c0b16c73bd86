#include <Poco/JSON/Array.h>

#include <atomic>
#include <cmath>
#include <condition_variable>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "client/json_fields.h"
#include "client/load_runner.h"
#include "client/output.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/verbs.h"

namespace cc::ctl {

using client::ExitCode;
using client::Reply;

namespace {

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> items;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) items.push_back(item);
  }
  return items;
}

double ms(uint64_t micros) { return static_cast<double>(micros) / 1000.0; }

Poco::JSON::Object::Ptr statsJson(const client::EndpointStats& stats, double duration_s) {
  auto out = client::orderedObject();
  out->set("endpoint", stats.endpoint);
  out->set("requests", stats.requests);
  out->set("ok", stats.ok);
  out->set("rate_limited", stats.rate_limited);
  out->set("client_errors", stats.client_errors);
  out->set("server_errors", stats.server_errors);
  out->set("timeouts", stats.timeouts);
  out->set("errors", stats.errors);
  out->set("rps", duration_s > 0 ? static_cast<double>(stats.requests) / duration_s : 0.0);
  out->set("p50_ms", ms(stats.latency.percentile(50)));
  out->set("p95_ms", ms(stats.latency.percentile(95)));
  out->set("p99_ms", ms(stats.latency.percentile(99)));
  out->set("max_ms", ms(stats.latency.max()));
  return out;
}

// One format a column: counts grouped by thousands, requests/s with one decimal, latencies in
// milliseconds with two (the unit is in the header), so a column reads down without surprises.
std::vector<std::string> statsRow(const client::EndpointStats& stats, double duration_s) {
  const bool answered = stats.latency.count() > 0;
  auto latency = [&](uint64_t micros) {
    return answered ? client::groupedNumber(ms(micros), 2) : "-";
  };
  auto count = [](uint64_t n) { return client::groupedNumber(static_cast<double>(n)); };
  return {stats.endpoint,
          count(stats.requests),
          count(stats.ok),
          count(stats.rate_limited),
          count(stats.client_errors),
          count(stats.server_errors),
          count(stats.timeouts),
          count(stats.errors),
          client::groupedNumber(
              duration_s > 0 ? static_cast<double>(stats.requests) / duration_s : 0.0, 1),
          latency(stats.latency.percentile(50)),
          latency(stats.latency.percentile(95)),
          latency(stats.latency.percentile(99)),
          latency(stats.latency.max())};
}

// A short-lived token minted through the admin API (role admin only when the scenario writes,
// since a viewer's writes are refused with 403), or a login on the public API.
int obtainToken(Context& ctx, const Invocation& inv, double ttl_s, bool writes,
                std::string& token) {
  if (inv.has("login")) {
    const std::string file = inv.value("password-file");
    std::ifstream in(file);
    std::string password;
    if (!in || !std::getline(in, password)) {
      return ctx.fail(ExitCode::kUsage,
                      "cannot read the password file " + file + " (--password-file)");
    }
    if (!password.empty() && password.back() == '\r') password.pop_back();
    auto body = client::orderedObject();
    body->set("username", inv.value("login"));
    body->set("password", password);
    Reply reply = ctx.publicApi().call("POST", "/api/auth/login", body);
    if (!reply.ok()) return ctx.fail(reply);
    token = client::text(reply.object(), "token");
    if (token.empty()) token = client::text(reply.object(), "access_token");
    if (token.empty()) {
      return ctx.fail(ExitCode::kFailure,
                      "the login answer of " + ctx.publicApi().describe() + " holds no token");
    }
    return 0;
  }
  return ctx.mintToken(writes ? "admin" : "viewer", static_cast<int64_t>(std::ceil(ttl_s)), token);
}

}  // namespace

int runLoadtest(Context& ctx, const Invocation& inv) {
  auto usage = [&](const std::string& message) { return ctx.fail(ExitCode::kUsage, message); };
  auto scenario = client::findScenario(inv.value("scenario"));
  if (!scenario) return usage("unknown scenario '" + inv.value("scenario") + "'");
  if (inv.has("requests") && inv.has("duration")) {
    return usage("give --requests or --duration, not both");
  }
  if (inv.has("users") && inv.integer("users", 0) < 1) return usage("--users must be at least 1");
  if (inv.has("users") && inv.integer("users", 0) > 10000) {
    return usage("--users is at most 10000 (one thread each)");
  }
  if (inv.has("requests") && inv.integer("requests", 0) < 1) {
    return usage("--requests must be at least 1");
  }
  if (inv.has("duration") && !(inv.real("duration", 0) > 0)) {
    return usage("--duration must be more than 0 seconds");
  }
  // 0 used to mean "unpaced", which reads as "no requests"; unpaced is leaving --rate out.
  if (inv.has("rate") && !(inv.real("rate", 0) > 0)) {
    return usage("--rate must be more than 0 requests/s; leave it out to go unpaced");
  }
  const double min_success = inv.real("min-success", 0);
  if (min_success < 0 || min_success > 1) {
    return usage("--min-success is a ratio from 0 to 1 (0.99 = 99% ok)");
  }
  if (inv.has("max-p95-ms") && !(inv.real("max-p95-ms", 0) > 0)) {
    return usage("--max-p95-ms must be more than 0");
  }
  if (inv.has("login") != inv.has("password-file")) {
    return usage("--login and --password-file go together");
  }
  if (inv.has("endpoints")) {
    if (scenario->name == "mixed") {
      return usage("the mixed scenario has fixed endpoints; use --scenario custom --endpoints");
    }
    auto paths = splitList(inv.value("endpoints"));
    for (const auto& path : paths) {
      if (path.empty() || path[0] != '/') {
        return usage("--endpoints takes paths starting with '/', got '" + path + "'");
      }
    }
    if (paths.empty()) return usage("--endpoints is empty");
    *scenario = client::withEndpoints(*scenario, paths);
  } else if (scenario->name == "custom") {
    return usage("--scenario custom needs --endpoints LIST (e.g. /api/health,/api/agents)");
  }
  if (inv.has("users")) {
    *scenario = client::withUsers(*scenario, static_cast<int>(inv.integer("users", 1)));
  }

  client::LoadPlan plan;
  plan.requests = inv.has("requests")   ? inv.integer("requests", 0)
                  : inv.has("duration") ? 0
                                        : scenario->requests;
  plan.duration_s = inv.has("duration") ? inv.real("duration", 0) : scenario->duration_s;
  plan.rate = inv.real("rate", 0);
  plan.target = ctx.publicApi().http().endpoint();
  plan.timeout = ctx.settings().timeout;
  if (plan.target.kind != client::Endpoint::Kind::kTcp) {
    return usage("loadtest needs an http:// public URL (--url)");
  }
  // Long enough for the run, short enough to be worthless soon after.
  const double ttl_s = plan.requests > 0 ? 900.0 : plan.duration_s + 120.0;
  bool writes = false;
  for (const auto& group : scenario->groups) {
    for (const auto& step : group.cycle) writes = writes || step.method != "GET";
  }
  if (int rc = obtainToken(ctx, inv, ttl_s, writes, plan.token); rc != 0) return rc;
  plan.scenario = *scenario;

  client::LoadRunner runner(plan);
  std::mutex mutex;
  std::condition_variable finished_cv;
  bool finished = false;
  std::thread progress;
  if (ctx.io().err_tty) {
    progress = std::thread([&] {
      std::unique_lock<std::mutex> lock(mutex);
      while (
          !finished_cv.wait_for(lock, std::chrono::milliseconds(250), [&] { return finished; })) {
        auto p = runner.progress();
        ctx.err() << "\r\033[K" << plan.scenario.name << ": " << p.done << " requests, " << p.failed
                  << " not ok, "
                  << client::formatNumber(p.elapsed_s > 0 ? p.done / p.elapsed_s : 0, 0)
                  << " req/s, " << client::formatNumber(p.elapsed_s, 1) << " s" << std::flush;
      }
      ctx.err() << "\r\033[K" << std::flush;
    });
  }
  client::LoadReport report = runner.run();
  if (progress.joinable()) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      finished = true;
    }
    finished_cv.notify_all();
    progress.join();
  }

  std::vector<std::string> missed;
  const double p95_ms = ms(report.total.latency.percentile(95));
  if (inv.has("max-p95-ms") && p95_ms > inv.real("max-p95-ms", 0)) {
    // The gate as the operator gave it: rounding it would print "0.001" as "0".
    missed.push_back("p95 " + client::formatNumber(p95_ms, 3) + " ms > --max-p95-ms " +
                     inv.value("max-p95-ms"));
  }
  if (inv.has("min-success") && report.total.successRatio() < min_success) {
    missed.push_back("success " + client::formatNumber(report.total.successRatio(), 4) +
                     " < --min-success " + client::formatNumber(min_success, 4));
  }

  if (ctx.json()) {
    auto out = client::orderedObject();
    out->set("scenario", plan.scenario.name);
    out->set("users", plan.scenario.users);
    out->set("duration_s", report.duration_s);
    Poco::JSON::Array::Ptr endpoints = new Poco::JSON::Array;
    for (const auto& stats : report.endpoints) endpoints->add(statsJson(stats, report.duration_s));
    out->set("endpoints", endpoints);
    out->set("total", statsJson(report.total, report.duration_s));
    if (inv.has("max-p95-ms") || inv.has("min-success")) {
      Poco::JSON::Array::Ptr missed_json = new Poco::JSON::Array;
      for (const auto& item : missed) missed_json->add(item);
      out->set("gates_passed", missed.empty());
      out->set("gates_missed", missed_json);
    }
    ctx.printJson(out);
  } else {
    ctx.out() << "scenario " << plan.scenario.name << ": " << plan.scenario.users << " users, "
              << client::groupedNumber(static_cast<double>(report.total.requests))
              << " requests in " << client::humanMillis(report.duration_s * 1000.0) << "\n\n";
    client::Table table({{"ENDPOINT"},
                         {"REQUESTS", client::Align::kRight},
                         {"OK", client::Align::kRight},
                         {"429", client::Align::kRight},
                         {"4XX", client::Align::kRight},
                         {"5XX", client::Align::kRight},
                         {"TIMEOUTS", client::Align::kRight},
                         {"ERRORS", client::Align::kRight},
                         {"REQ/S", client::Align::kRight},
                         {"P50 MS", client::Align::kRight},
                         {"P95 MS", client::Align::kRight},
                         {"P99 MS", client::Align::kRight},
                         {"MAX MS", client::Align::kRight}});
    for (const auto& stats : report.endpoints) table.addRow(statsRow(stats, report.duration_s));
    table.addRow(statsRow(report.total, report.duration_s));
    table.render(ctx.out(), ctx.colour());
  }
  if (!missed.empty()) {
    std::string message = "load test gate missed: ";
    for (std::size_t i = 0; i < missed.size(); ++i) message += (i ? "; " : "") + missed[i];
    return ctx.fail(ExitCode::kFailure, message);
  }
  return 0;
}

}  // namespace cc::ctl
