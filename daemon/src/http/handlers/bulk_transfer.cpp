#include "http/handlers/bulk_transfer.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <memory>

#include "domain/agent.h"
#include "domain/project.h"
#include "http/body_source.h"
#include "http/error_envelope.h"
#include "http/handlers/domain_request.h"
#include "http/json_body.h"

namespace cc::http::handlers {
// Not an anonymous namespace: the route templates below use these types, and a unity build
// (which includes this file) would then warn that they have internal linkage.
namespace bulk_transfer_detail {

using common::Error;

// What each step of a bulk route (a page read, a batch write) may take: the request's budget,
// anew for every step.
common::Millis stepBudget(const RequestContext& ctx) {
  return ctx.budget.count() > 0 ? ctx.budget : common::Millis(10000);
}

template <class Row>
class ExportStream final : public BodyStream {
 public:
  using Pages = typename BulkCollection<Row>::Pages;
  ExportStream(Pages pages, const common::Clock& clock, common::Millis budget,
               domain::Page<Row> first)
      : pages_(std::move(pages)), clock_(clock), budget_(budget) {
    take(std::move(first));
  }

  Step next(std::string& out) override {
    if (!ready_) {
      if (!after_) return Step::kDone;
      auto page = pages_(after_, clock_.now() + budget_);
      if (!page) {
        failure_ =
            "reading the page after id " + std::to_string(after_->id) + ": " + page.error().message;
        return Step::kFailed;
      }
      take(std::move(*page));
    }
    ready_ = false;
    for (const auto& row : page_.items) domain::appendNdjson(out, row);
    return after_ ? Step::kMore : Step::kDone;
  }

  std::string failure() const override { return failure_; }

 private:
  // Holds a page until next() renders it, and remembers where the one after it starts.
  void take(domain::Page<Row> page) {
    page_ = std::move(page);
    ready_ = true;
    after_.reset();
    if (page_.has_more && !page_.items.empty()) {
      after_ = domain::cursorAfter(page_.items.back(), "id");
    }
  }

  Pages pages_;
  const common::Clock& clock_;
  common::Millis budget_;
  domain::Page<Row> page_;
  bool ready_ = false;
  std::optional<domain::Cursor> after_;
  std::string failure_;
};

// The answer of an import, filled batch by batch. Rejections of a batch are held until its
// write succeeds, so that a batch the store failed is reported as not processed at all.
class ImportReport {
 public:
  void reject(int64_t line, const Error& error) { pending_.push_back({line, error}); }
  void commit(std::size_t accepted) {
    accepted_ += static_cast<int64_t>(accepted);
    // The store's refusals come after the parser's: list the batch in line order.
    std::stable_sort(pending_.begin(), pending_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& r : pending_) {
      ++rejected_;
      if (listed_.size() < domain::kMaxListedRejections) {
        listed_.push_back(std::move(r));
      } else {
        ++omitted_;
      }
    }
    pending_.clear();
  }
  void stop(int64_t line, const Error& error) {
    pending_.clear();
    stopped_ = {line, error};
  }
  int64_t accepted() const { return accepted_; }

  // What the answer says of a bulk load: "loading", "off" or "ended" (null: none was asked for).
  void bulkLoad(std::string state, int64_t indexes_built) {
    bulk_load_ = std::move(state);
    indexes_built_ = indexes_built;
  }

  Poco::JSON::Object::Ptr toJson(bool dry_run, int64_t lines, int64_t blank,
                                 int64_t batches) const {
    auto out = newObject();
    out->set("dry_run", dry_run);
    out->set("lines", lines);
    out->set("blank", blank);
    out->set("accepted", accepted_);
    out->set("rejected", rejected_);
    out->set("batches", batches);
    Poco::JSON::Array::Ptr list = new Poco::JSON::Array;
    for (const auto& [line, error] : listed_) {
      auto item = newObject();
      item->set("line", line);
      item->set("field",
                error.field.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(error.field));
      item->set("code", std::string(common::codeName(error.code)));
      item->set("message", error.message);
      list->add(item);
    }
    out->set("rejections", list);
    out->set("rejections_omitted", omitted_);
    if (stopped_) {
      auto stopped = newObject();
      stopped->set("line", stopped_->first);
      stopped->set("code", std::string(common::codeName(stopped_->second.code)));
      stopped->set("message", stopped_->second.message);
      out->set("stopped", stopped);
    } else {
      out->set("stopped", Poco::Dynamic::Var());
    }
    out->set("bulk_load",
             bulk_load_.empty() ? Poco::Dynamic::Var() : Poco::Dynamic::Var(bulk_load_));
    if (bulk_load_ == "ended") out->set("indexes_built", indexes_built_);
    return out;
  }

 private:
  std::vector<std::pair<int64_t, Error>> pending_;
  std::vector<std::pair<int64_t, Error>> listed_;
  int64_t accepted_ = 0;
  int64_t rejected_ = 0;
  int64_t omitted_ = 0;
  std::optional<std::pair<int64_t, Error>> stopped_;
  std::string bulk_load_;
  int64_t indexes_built_ = 0;
};

// How an import asks to be written: as before, as a bulk load's batches, or those and the end.
enum class BulkLoadAsk { kNone, kLoad, kEnd };

common::Result<BulkLoadAsk> bulkLoadAsk(const RequestContext& ctx, bool has_load, bool dry_run) {
  auto value = ctx.queryParam("bulk_load");
  if (!value || *value == "false") return BulkLoadAsk::kNone;
  if (*value != "true" && *value != "end") {
    return Error::invalid("bulk_load", "must be true, end or false, got '" + *value + "'");
  }
  if (!has_load) return Error::invalid("bulk_load", "this collection has no bulk load");
  if (dry_run) return Error::invalid("bulk_load", "a dry run writes nothing to load");
  return *value == "end" ? BulkLoadAsk::kEnd : BulkLoadAsk::kLoad;
}

// Why `body` ended before its end, if it did.
std::optional<Error> bodyEndedEarly(const BodySource& body) {
  switch (body.state()) {
    case BodySource::State::kReading:
    case BodySource::State::kEnd:
      return std::nullopt;
    case BodySource::State::kTooLarge:
      return Error{common::ErrorCode::kPayloadTooLarge,
                   "import body exceeds http.import_max_body_bytes (" +
                       std::to_string(body.limit()) + " bytes)",
                   {},
                   0};
    case BodySource::State::kTimeout:
      return Error{common::ErrorCode::kRequestTimeout,
                   "import body stalled after " + std::to_string(body.bytesRead()) +
                       " bytes (nothing for http.header_timeout_ms)",
                   {},
                   0};
    case BodySource::State::kBroken:
      break;
  }
  return Error::badRequest("import body cut short after " + std::to_string(body.bytesRead()) +
                           " bytes (the connection closed before its end)");
}

bool isNdjson(const RequestContext& ctx) {
  std::string type = ctx.header("Content-Type");
  std::string media = type.substr(0, type.find(';'));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  return media == kNdjsonType;
}

}  // namespace bulk_transfer_detail

using namespace bulk_transfer_detail;

RouteOptions bulkRouteOptions(bool writes) {
  RouteOptions options;
  options.uses_store = true;
  options.bulk = true;
  options.writes = writes;
  options.streams_body = writes;  // an import's body is read as it arrives
  return options;
}

template <class Row>
Reply exportCollection(const BulkCollection<Row>& collection, DomainServices& services,
                       RequestContext& ctx) {
  // An export is whole and in id order: only the filters of a listing apply.
  for (const char* window : {"sort", "limit", "offset", "cursor"}) {
    if (ctx.query.count(window) != 0) {
      return errorReply(Error::invalid(window, std::string("an export is every matching row in id "
                                                           "order; ") +
                                                   window + " does not apply"),
                        ctx.request_id);
    }
  }
  auto pages = collection.pages(ctx.query);
  if (!pages) return errorReply(pages.error(), ctx.request_id);
  const common::Millis budget = stepBudget(ctx);
  auto first = (*pages)(std::nullopt, services.clock.now() + budget);
  if (!first) return errorReply(first.error(), ctx.request_id);
  const int64_t total = first->total;
  const bool exact = !first->total_is_lower_bound;
  Reply reply = Reply::streamed(200, kNdjsonType,
                                std::make_shared<ExportStream<Row>>(
                                    std::move(*pages), services.clock, budget, std::move(*first)));
  if (exact) reply.setHeader("X-Total-Count", std::to_string(total));
  reply.setHeader("Cache-Control", "no-store");
  return reply;
}

template <class Row>
Reply importCollection(const BulkCollection<Row>& collection, DomainServices& services,
                       RequestContext& ctx) {
  if (!isNdjson(ctx)) {
    return errorReply(
        {common::ErrorCode::kUnsupportedMediaType,
         std::string("Content-Type must be ") + kNdjsonType + " (one JSON object a line)",
         {},
         0},
        ctx.request_id);
  }
  auto dry_run = queryFlag(ctx, "dry_run", false);
  if (!dry_run) return errorReply(dry_run.error(), ctx.request_id);
  auto bulk = bulkLoadAsk(ctx, static_cast<bool>(collection.load), *dry_run);
  if (!bulk) return errorReply(bulk.error(), ctx.request_id);
  const common::Millis budget = stepBudget(ctx);
  const int64_t now_ms = services.clock.wallMillis();

  // The body as it arrives when the connection left it unread (the route streams it), else as
  // the connection read it.
  BufferedBodySource buffered(ctx.body);
  BodySource& body = ctx.body_source != nullptr ? *ctx.body_source : buffered;
  domain::NdjsonLines lines(
      [&body](char* buf, std::size_t n) -> std::size_t { return body.read(buf, n); });
  Poco::JSON::Parser parser;
  ImportReport report;
  std::vector<Row> batch;
  std::vector<int64_t> batch_lines;
  batch.reserve(domain::kImportBatchLines);
  batch_lines.reserve(domain::kImportBatchLines);
  int64_t batches = 0;
  int64_t batch_start = 0;  // the first line since the last write
  std::optional<Error> failed;
  int64_t lines_done = 0;  // lines, and blank ones among them, before the failed batch
  int64_t blank_done = 0;

  std::optional<bool> loading;  // whether a bulk load was in progress after the last batch
  auto write = [&]() {
    if (!batch.empty()) {
      const common::SteadyTime deadline = services.clock.now() + budget;
      auto outcome = *bulk == BulkLoadAsk::kNone ? collection.write(batch, *dry_run, deadline)
                                                 : collection.load(batch, deadline);
      if (!outcome) {
        failed = outcome.error();
        report.stop(batch_start, outcome.error());
        return;
      }
      loading = outcome->bulk_load;
      ++batches;
      for (const auto& [index, error] : outcome->refused) report.reject(batch_lines[index], error);
      report.commit(outcome->accepted);
    } else {
      report.commit(0);
    }
    batch.clear();
    batch_lines.clear();
    batch_start = 0;
    lines_done = lines.lines();
    blank_done = lines.blank();
  };

  // A body that ends early leaves its last line cut: the lines read since the last write are
  // not written, and the import stops at the first of them.
  auto cut = [&]() -> bool {
    if (failed) return true;
    auto error = bodyEndedEarly(body);
    if (!error) return false;
    failed = error;
    report.stop(batch_start != 0 ? batch_start : lines.lines(), *error);
    return true;
  };
  domain::NdjsonLine line;
  while (!failed && lines.next(line)) {
    if (batch_start == 0) batch_start = line.number;
    if (line.too_long) {
      report.reject(line.number, domain::lineTooLong(line.bytes));
      continue;
    }
    auto object = domain::parseNdjsonObject(line.text, parser, collection.line_fields);
    if (!object) {
      report.reject(line.number, object.error());
      continue;
    }
    auto row = collection.parse(**object, now_ms);
    if (!row) {
      report.reject(line.number, row.error());
      continue;
    }
    batch.push_back(std::move(*row));
    batch_lines.push_back(line.number);
    if (batch.size() >= domain::kImportBatchLines && !cut()) write();
  }
  if (!cut()) write();
  if (*bulk == BulkLoadAsk::kEnd && !failed) {
    // Once every line is in: the build holds the writer, and the answer waits for it.
    auto built = collection.end_load(services.clock.now() + budget);
    if (built) {
      report.bulkLoad("ended", *built);
    } else {
      spdlog::info("request {}: ending the bulk load of {} failed, it goes on: {}", ctx.request_id,
                   collection.name, built.error().message);
      // Nothing written: the request may be sent again as it is. Else its lines are in, and the
      // load goes on until an end succeeds.
      if (batches == 0) return errorReply(built.error(), ctx.request_id);
      report.bulkLoad("loading", 0);
    }
  } else if (*bulk != BulkLoadAsk::kNone && loading) {
    report.bulkLoad(*loading ? "loading" : "off", 0);
  }

  if (failed) {
    spdlog::info("request {}: {} import stopped at line {} after {} accepted lines: {}",
                 ctx.request_id, collection.name, batch_start != 0 ? batch_start : lines.lines(),
                 report.accepted(), failed->message);
  }
  // Nothing was written: the request failed as a whole and may be sent again as it is.
  if (failed && batches == 0) return errorReply(*failed, ctx.request_id);
  if (!*dry_run && report.accepted() > 0) {
    if (services.invalidate) services.invalidate(collection.path);
    if (services.publish) {
      auto event = newObject();
      event->set("type", collection.name + ".imported");
      event->set("accepted", report.accepted());
      services.publish(collection.name, toJson(event));
    }
  }
  return jsonReply(200, report.toJson(*dry_run, lines_done, blank_done, batches));
}

template Reply exportCollection(const BulkCollection<domain::Agent>&, DomainServices&,
                                RequestContext&);
template Reply exportCollection(const BulkCollection<domain::Project>&, DomainServices&,
                                RequestContext&);
template Reply importCollection(const BulkCollection<domain::Agent>&, DomainServices&,
                                RequestContext&);
template Reply importCollection(const BulkCollection<domain::Project>&, DomainServices&,
                                RequestContext&);

}  // namespace cc::http::handlers
