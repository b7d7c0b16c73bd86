#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "client/json_fields.h"
#include "client/output.h"
#include "client/progress.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/verbs.h"
#include "config/key_table.h"

namespace cc::ctl {

using client::ExitCode;

namespace {

// Long enough for any export; revoked when the verb ends.
constexpr int64_t kExportTokenTtlS = 86400;
constexpr const char* kExportTokenSource = "the admin API (POST /admin/tokens)";

}  // namespace

int runExport(Context& ctx, const Invocation& inv) {
  const std::string kind = inv.args[0];
  const bool to_file = inv.has("file");
  const std::string file = inv.value("file");
  // A file is written beside its final name and moved there only once the export is whole, so
  // that FILE never holds a partial export.
  const std::string partial = file + ".partial";
  std::ofstream out_file;
  if (to_file) {
    out_file.open(partial, std::ios::binary | std::ios::trunc);
    if (!out_file) return ctx.fail(ExitCode::kUsage, "cannot write " + partial + " (--file)");
  }
  std::ostream& out = to_file ? static_cast<std::ostream&>(out_file) : ctx.out();
  auto discard = [&] {
    if (!to_file) return;
    out_file.close();
    std::remove(partial.c_str());
  };

  std::string token;
  if (int rc = ctx.mintToken("viewer", kExportTokenTtlS, token); rc != 0) {
    discard();
    return rc;
  }
  auto api = ctx.publicApiAs(token, kExportTokenSource);
  client::TokenRevoker revoke{*api};

  const auto started = ctx.clock().now();
  client::Progress progress(ctx.err(), ctx.io().err_tty, ctx.clock(), "export " + kind);
  uint64_t total = 0;
  uint64_t rows = 0;
  uint64_t bytes = 0;
  auto detail = [&] { return std::to_string(rows) + " rows, " + client::humanBytes(bytes); };
  client::BodySink sink;
  sink.head = [&](const client::HttpExchange& head) {
    total = static_cast<uint64_t>(
        std::max<int64_t>(0, config::parseInt(head.header("X-Total-Count")).value_or(0)));
  };
  sink.data = [&](const char* data, std::size_t size) {
    out.write(data, static_cast<std::streamsize>(size));
    rows += static_cast<uint64_t>(std::count(data, data + size, '\n'));
    bytes += size;
    progress.update(rows, total, detail());
    return static_cast<bool>(out);
  };
  client::Reply reply = api->receive("/api/" + kind + "/export", sink);
  out.flush();
  progress.finish(rows, total, detail());
  if (reply.ok() && !out) {
    reply.exit = ExitCode::kFailure;
    reply.problem = "cannot write the export to " + (to_file ? partial : std::string("stdout"));
  }
  if (!reply.ok()) {
    discard();
    return ctx.fail(reply.exit, reply.problem + " (" + std::to_string(rows) + " rows received" +
                                    (to_file ? "; " + file + " left as it was)" : ")"));
  }
  if (to_file) {
    out_file.close();
    if (!out_file || std::rename(partial.c_str(), file.c_str()) != 0) {
      std::remove(partial.c_str());
      return ctx.fail(ExitCode::kFailure, "cannot move " + partial + " to " + file);
    }
  }
  const double seconds = std::chrono::duration<double>(ctx.clock().now() - started).count();
  auto summary = client::orderedObject();
  summary->set("kind", kind);
  summary->set("file", to_file ? Poco::Dynamic::Var(file) : Poco::Dynamic::Var());
  summary->set("rows", rows);
  summary->set("bytes", bytes);
  summary->set("seconds", seconds);
  // With the rows on stdout, the summary goes to stderr so that it never mixes with them.
  std::ostream& report = to_file ? ctx.out() : ctx.err();
  if (ctx.json()) {
    client::printJsonDocument(report, summary);
    return 0;
  }
  report << "exported " << rows << " " << kind << " (" << client::humanBytes(bytes) << ")"
         << (to_file ? " to " + file : std::string()) << " in "
         << client::humanMillis(seconds * 1000) << "\n";
  return 0;
}

}  // namespace cc::ctl
