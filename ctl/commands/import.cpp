#include <Poco/File.h>
#include <Poco/JSON/Array.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <deque>
#include <fstream>
#include <future>
#include <memory>

#include "client/json_fields.h"
#include "client/ndjson_reader.h"
#include "client/output.h"
#include "client/progress.h"
#include "commands/command_line.h"
#include "commands/context.h"
#include "commands/verbs.h"
#include "config/key_table.h"
#include "domain/bulk_records.h"

namespace cc::ctl {

using client::ExitCode;
using client::Reply;

namespace {

constexpr int64_t kImportTokenTtlS = 86400;  // revoked when the verb ends
constexpr const char* kImportTokenSource = "the admin API (POST /admin/tokens)";
// A request is one of the daemon's write batches, so that a large file needs few requests (the
// default rate limit admits 10 a second), yet each is small enough to report
// progress by and to send again on its own. The daemon reads an import's body as it arrives
// (http.import_max_body_bytes bounds it, not http.max_body_bytes); one that answers 413 anyway
// gets halves.
constexpr std::size_t kRequestLines = domain::kImportBatchLines;
constexpr std::size_t kRequestBytes = 4 * 1024 * 1024;
// Tries of one part of a request the daemon refused as a whole for now (429, 503, 504).
constexpr int kAttempts = 5;
constexpr std::size_t kInFlight = 2;
// The request that ends a bulk load waits while the daemon builds the indexes the load deferred:
// tens of seconds for a million agents, more on a slow disk.
constexpr std::chrono::minutes kEndLoadTimeout{30};

struct Rejection {
  int64_t line = 0;
  std::string field;
  std::string code;
  std::string message;
};

// What the import did so far, over every request.
struct Totals {
  int64_t lines = 0;
  int64_t blank = 0;
  int64_t accepted = 0;
  int64_t rejected = 0;
  int64_t omitted = 0;
  std::vector<Rejection> listed;
  bool loading = false;  // some answer said a bulk load was in progress after it

  void reject(Rejection r) {
    ++rejected;
    if (listed.size() < domain::kMaxListedRejections) {
      listed.push_back(std::move(r));
    } else {
      ++omitted;
    }
  }
  void add(Totals other) {
    lines += other.lines;
    blank += other.blank;
    accepted += other.accepted;
    rejected += other.rejected - static_cast<int64_t>(other.listed.size());
    omitted += other.omitted;
    loading = loading || other.loading;
    for (auto& r : other.listed) reject(std::move(r));
  }
};

// Lines of the file read for one request: line `first + i` is lines[i]. A line too long to send
// is kept as an empty one, which the daemon skips as blank, so that numbers still map.
struct Chunk {
  int64_t first = 0;
  std::vector<std::string> lines;
  std::vector<bool> too_long;
  std::vector<Rejection> rejected_here;  // the lines too long to send
  std::size_t bytes = 0;
};

// Seconds a refusal asks to wait (Retry-After), 1 when it does not say, at most 30.
int retryAfter(const Reply& reply) {
  auto seconds = config::parseInt(reply.header("Retry-After")).value_or(1);
  return static_cast<int>(std::clamp<int64_t>(seconds, 1, 30));
}

// The daemon refused the request as a whole and wrote nothing of it: it may be sent again.
bool retryable(const Reply& reply) {
  return reply.status == 429 || reply.status == 503 || reply.status == 504;
}

// What sending one chunk did.
struct Sent {
  int rc = 0;           // 0, or the exit code
  std::string problem;  // when rc != 0
  Totals totals;
};

// Sends chunks; send() may run on several threads at once (the api client is immutable and the
// request size is atomic).
class Importer {
 public:
  Importer(Context& ctx, const client::ApiClient& api, std::string target)
      : ctx_(ctx), api_(api), target_(std::move(target)) {}

  /// Sends one chunk, in parts when the daemon asks for smaller ones.
  Sent send(const Chunk& chunk) {
    Sent sent;
    sent.rc = send(chunk, sent.totals, sent.problem);
    return sent;
  }
  std::size_t requestBytes() const { return request_bytes_; }

 private:
  int send(const Chunk& chunk, Totals& totals, std::string& problem) {
    struct Part {
      std::size_t begin;
      std::size_t end;
      int attempts;
    };
    for (const auto& r : chunk.rejected_here) totals.reject(r);
    std::deque<Part> unsent{{0, chunk.lines.size(), 0}};
    while (!unsent.empty()) {
      Part part = unsent.front();
      unsent.pop_front();
      std::string body;
      for (std::size_t i = part.begin; i < part.end; ++i) {
        body += chunk.lines[i];
        body += '\n';
      }
      const int64_t first = chunk.first + static_cast<int64_t>(part.begin);
      const int64_t last = chunk.first + static_cast<int64_t>(part.end) - 1;
      Reply reply = api_.send("POST", target_, body, "application/x-ndjson");
      if (reply.status == 413 && part.end - part.begin > 1) {
        // Smaller requests from now on, and this one in halves.
        request_bytes_ = std::min<std::size_t>(
            request_bytes_, std::max<std::size_t>(body.size() / 2, domain::kMaxImportLineBytes));
        std::size_t middle = part.begin + (part.end - part.begin) / 2;
        unsent.push_front({middle, part.end, 0});
        unsent.push_front({part.begin, middle, 0});
        continue;
      }
      if (retryable(reply) && part.attempts + 1 < kAttempts) {
        ctx_.sleep(std::chrono::seconds(retryAfter(reply)));
        unsent.push_front({part.begin, part.end, part.attempts + 1});
        continue;
      }
      if (!reply.ok()) {
        problem =
            "lines " + std::to_string(first) + "-" + std::to_string(last) + ": " + reply.problem;
        problem += reply.exit == ExitCode::kUnreachable ? "; whether they were imported is unknown"
                                                        : "; they were not imported";
        return client::toInt(reply.exit);
      }
      auto report = reply.object();
      const int64_t offset = first - 1;
      auto rejections = client::list(report, "rejections");
      for (std::size_t i = 0; i < rejections->size(); ++i) {
        auto item = client::itemAt(rejections, i);
        totals.reject({client::integer(item, "line") + offset, client::text(item, "field"),
                       client::text(item, "code"), client::text(item, "message")});
      }
      const int64_t omitted = client::integer(report, "rejections_omitted");
      totals.rejected += omitted;
      totals.omitted += omitted;
      totals.accepted += client::integer(report, "accepted");
      if (client::text(report, "bulk_load") == "loading") totals.loading = true;
      const int64_t lines = client::integer(report, "lines");
      totals.lines += lines;
      // Lines too long to send went as empty ones: rejected here, not blank.
      const auto done_end = part.begin + static_cast<std::size_t>(lines);
      const auto dummies = std::count(
          chunk.too_long.begin() + static_cast<std::ptrdiff_t>(part.begin),
          chunk.too_long.begin() + static_cast<std::ptrdiff_t>(std::min(done_end, part.end)), true);
      totals.blank += client::integer(report, "blank") - dummies;
      auto stopped = client::child(report, "stopped");
      if (stopped->size() > 0) {
        // The daemon's store failed part way: what is before the line is done, the rest not.
        const auto resume =
            part.begin + static_cast<std::size_t>(client::integer(stopped, "line")) - 1;
        if (part.attempts + 1 >= kAttempts || resume <= part.begin || resume >= part.end) {
          problem = "lines " + std::to_string(chunk.first + static_cast<int64_t>(resume)) + "-" +
                    std::to_string(last) + ": " + client::text(stopped, "code") + ": " +
                    client::text(stopped, "message") + "; they were not imported";
          return client::toInt(ExitCode::kFailure);
        }
        ctx_.sleep(std::chrono::seconds(1));
        unsent.push_front({resume, part.end, part.attempts + 1});
      }
    }
    return 0;
  }

  Context& ctx_;
  const client::ApiClient& api_;
  std::string target_;
  std::atomic<std::size_t> request_bytes_{kRequestBytes};
};

Poco::JSON::Object::Ptr summaryJson(const std::string& kind, const std::string& file, bool dry_run,
                                    const Totals& t, double seconds, const std::string& error) {
  auto out = client::orderedObject();
  out->set("kind", kind);
  out->set("file", file);
  out->set("dry_run", dry_run);
  out->set("complete", error.empty());
  out->set("lines", t.lines);
  out->set("blank", t.blank);
  out->set("accepted", t.accepted);
  out->set("rejected", t.rejected);
  Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
  for (const auto& r : t.listed) {
    auto item = client::orderedObject();
    item->set("line", r.line);
    item->set("field", r.field.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(r.field));
    item->set("code", r.code);
    item->set("message", r.message);
    list->add(item);
  }
  out->set("rejections", list);
  out->set("rejections_omitted", t.omitted);
  out->set("seconds", seconds);
  out->set("error", error.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(error));
  return out;
}

void printSummary(Context& ctx, const std::string& kind, const std::string& file, bool dry_run,
                  const Totals& t, double seconds) {
  const double rate = seconds > 0 ? static_cast<double>(t.lines) / seconds : 0;
  ctx.out() << (dry_run ? "checked " : "imported ") << kind << " from " << file << ": " << t.lines
            << " lines, " << t.accepted << " accepted, " << t.rejected << " rejected, " << t.blank
            << " blank, in " << client::humanMillis(seconds * 1000) << " ("
            << client::formatNumber(rate, 0) << " lines/s)\n";
  if (dry_run) ctx.out() << "dry run: nothing was written\n";
  if (t.listed.empty()) return;
  client::Table table({{"LINE", client::Align::kRight}, {"FIELD"}, {"CODE"}, {"MESSAGE"}});
  for (const auto& r : t.listed) {
    table.addRow({std::to_string(r.line), r.field.empty() ? "-" : r.field, r.code, r.message});
  }
  table.render(ctx.out(), ctx.colour());
  if (t.omitted > 0) ctx.out() << "... and " << t.omitted << " more rejected lines\n";
}

}  // namespace

int runImport(Context& ctx, const Invocation& inv) {
  const std::string kind = inv.args[0];
  const std::string file = inv.args[1];
  const bool dry_run = inv.has("dry-run");
  std::ifstream in_file;
  uint64_t size = 0;
  if (file != "-") {
    in_file.open(file, std::ios::binary);
    if (!in_file) return ctx.fail(ExitCode::kUsage, "cannot read " + file);
    try {
      size = Poco::File(file).getSize();
    } catch (const Poco::Exception&) {
      size = 0;  // a pipe or device: no percentage
    }
  }
  std::istream& in = file == "-" ? ctx.io().in : in_file;

  std::string token;
  if (int rc = ctx.mintToken("admin", kImportTokenTtlS, token); rc != 0) return rc;
  auto api = ctx.publicApiAs(token, kImportTokenSource);
  client::TokenRevoker revoke{*api};
  // Agents go in as a bulk load: into an empty table the daemon builds its indexes after the
  // rows instead of row by row (into one with agents it imports as it always does).
  const bool bulk_load = kind == "agents" && !dry_run;
  const std::string target = "/api/" + kind + "/import";
  Importer importer(ctx, *api,
                    target + (dry_run     ? "?dry_run=true"
                              : bulk_load ? "?bulk_load=true"
                                          : ""));

  const auto started = ctx.clock().now();
  auto elapsed = [&] { return std::chrono::duration<double>(ctx.clock().now() - started).count(); };
  client::Progress progress(ctx.err(), ctx.io().err_tty, ctx.clock(),
                            std::string(dry_run ? "check " : "import ") + kind);
  client::LineReader reader(in, domain::kMaxImportLineBytes);
  Totals totals;
  auto detail = [&] {
    const double s = elapsed();
    return std::to_string(totals.lines) + " lines, " + std::to_string(totals.accepted) +
           " accepted, " + std::to_string(totals.rejected) + " rejected, " +
           client::formatNumber(s > 0 ? static_cast<double>(totals.lines) / s : 0, 0) + " lines/s";
  };

  // Two requests in flight: the daemon parses one while it writes the other (it writes one
  // batch at a time), which is most of the way to twice as fast on two cores. Results are taken
  // in file order, so totals and messages read as if the requests had gone one by one.
  std::string problem;
  int rc = 0;
  int64_t sent_through = 0;  // the last line handed to a request
  std::deque<std::future<Sent>> in_flight;
  auto collect = [&] {
    Sent sent = in_flight.front().get();
    in_flight.pop_front();
    totals.add(std::move(sent.totals));
    if (sent.rc != 0 && rc == 0) {
      rc = sent.rc;
      problem = sent.problem;
    }
    progress.update(reader.bytesRead(), size, detail());
  };
  client::FileLine line;
  bool more = reader.next(line);
  while (more && rc == 0) {
    auto chunk = std::make_shared<Chunk>();
    chunk->first = line.number;
    std::size_t records = 0;
    while (
        more && records < kRequestLines &&
        (chunk->lines.empty() || chunk->bytes + line.text.size() + 1 <= importer.requestBytes())) {
      if (line.too_long) {
        chunk->rejected_here.push_back(
            {line.number, "", "bad_request", domain::lineTooLong(line.bytes).message});
        chunk->lines.emplace_back();
      } else {
        if (line.text.find_first_not_of(" \t") != std::string::npos) ++records;
        chunk->lines.push_back(std::move(line.text));
      }
      chunk->too_long.push_back(line.too_long);
      chunk->bytes += chunk->lines.back().size() + 1;
      more = reader.next(line);
    }
    sent_through = chunk->first + static_cast<int64_t>(chunk->lines.size()) - 1;
    in_flight.push_back(
        std::async(std::launch::async, [&importer, chunk] { return importer.send(*chunk); }));
    if (in_flight.size() >= kInFlight) collect();
  }
  while (!in_flight.empty()) collect();
  if (bulk_load && totals.loading) {
    // Also after a failure: whatever went in gets its indexes now, not at the daemon's next
    // write of an agent or its next start. A daemon that started no load is not asked.
    progress.update(reader.bytesRead(), size, detail() + ", building indexes");
    const client::ApiClient ending(client::HttpClient(api->http().endpoint(), kEndLoadTimeout),
                                   api->identity(), api->token(), api->tokenSource());
    Reply ended = ending.send("POST", target + "?bulk_load=end", "", "application/x-ndjson");
    if (!ended.ok() && rc == 0) {
      rc = client::toInt(ended.exit);
      problem = "every line was sent, but ending the bulk load failed: " + ended.problem +
                "; the daemon builds the indexes it deferred at its next write of an agent or "
                "its next start";
    }
  }
  if (rc != 0 && more) {
    problem += "; the import stopped there: nothing after line " + std::to_string(sent_through) +
               " was sent";
  }
  if (rc == 0 && in.bad()) {
    rc = client::toInt(ExitCode::kFailure);
    problem = "reading " + file + " failed after line " + std::to_string(sent_through);
  }
  progress.finish(reader.bytesRead(), size, detail());
  std::stable_sort(totals.listed.begin(), totals.listed.end(),
                   [](const Rejection& a, const Rejection& b) { return a.line < b.line; });

  const double seconds = elapsed();
  if (ctx.json()) {
    ctx.printJson(summaryJson(kind, file, dry_run, totals, seconds, problem));
  } else {
    printSummary(ctx, kind, file, dry_run, totals, seconds);
  }
  if (rc != 0) return ctx.fail(static_cast<ExitCode>(rc), problem);
  return totals.rejected > 0 ? client::toInt(ExitCode::kFailure) : 0;
}

}  // namespace cc::ctl
