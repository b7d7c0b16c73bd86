#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <cmath>
#include <cstdlib>

#include "client/json_fields.h"
#include "client/prometheus_text.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/verbs.h"

namespace cc::ctl {

namespace {

// A sample's value as JSON: a number when it is a finite one, else its text ("+Inf", "NaN").
Poco::Dynamic::Var sampleValue(const std::string& text) {
  char* end = nullptr;
  double v = std::strtod(text.c_str(), &end);
  if (end != nullptr && *end == '\0' && std::isfinite(v)) return v;
  return text;
}

}  // namespace

int runMetrics(Context& ctx, const Invocation& inv) {
  client::Reply reply = ctx.adminApi().get("/metrics");
  if (!reply.ok()) return ctx.fail(reply);
  const std::string prefix = inv.args.empty() ? "" : inv.args[0];
  std::vector<std::string> lines = client::metricLinesWithPrefix(reply.body, prefix);
  if (ctx.json()) {
    Poco::JSON::Array::Ptr out = new Poco::JSON::Array;
    for (const auto& sample : client::parseSamples(lines)) {
      Poco::JSON::Object::Ptr labels = client::orderedObject();
      for (const auto& [name, value] : sample.labels) labels->set(name, value);
      Poco::JSON::Object::Ptr item = client::orderedObject();
      item->set("name", sample.name);
      item->set("labels", labels);
      item->set("value", sampleValue(sample.value));
      out->add(item);
    }
    ctx.printJson(out);
  } else {
    for (const auto& line : lines) ctx.out() << line << "\n";
  }
  // Like grep: nothing found is exit 1, so that a script can tell.
  if (lines.empty()) {
    return ctx.fail(client::ExitCode::kFailure, "no metric name starts with '" + prefix + "'");
  }
  return 0;
}

}  // namespace cc::ctl
