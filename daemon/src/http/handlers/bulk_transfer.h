#pragma once
// The bulk routes of a collection: an NDJSON export streamed a page at a time, and an NDJSON
// import written in transactional batches.

#include <Poco/JSON/Object.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "domain/bulk_records.h"
#include "domain/cursor.h"
#include "http/handlers/domain_services.h"
#include "http/reply.h"
#include "http/request_context.h"
#include "http/router.h"

namespace cc::http::handlers {

/// The media type of both directions: one JSON object a line.
inline constexpr const char* kNdjsonType = "application/x-ndjson";

/// How the bulk routes reach one collection: its repository's pages and batch insert and the
/// domain's line parser, bound by the collection's handlers. Immutable; thread-safe when the
/// functions are.
template <class Row>
struct BulkCollection {
  std::string name;  // "agents": the event topic, and in messages
  std::string path;  // "/api/agents": the cached answers an import makes stale
  /// One export's reads: the page after `after` (none: the first) in id order,
  /// domain::kExportPageRows long.
  using Pages = std::function<common::Result<domain::Page<Row>>(
      const std::optional<domain::Cursor>& after, common::SteadyTime deadline)>;
  /// The reads of an export filtered as `query` says, with the list route's filters and their
  /// errors (sort, limit, offset and cursor are refused before this is called).
  std::function<common::Result<Pages>(const std::map<std::string, std::string>& query)> pages;
  std::function<common::Result<Row>(Poco::JSON::Object& line, int64_t now_ms)> parse;
  /// The fields a line may have, checked while it is scanned (domain::parseNdjsonObject).
  const domain::BodyFields* line_fields = nullptr;
  std::function<common::Result<domain::ImportOutcome>(const std::vector<Row>& rows, bool dry_run,
                                                      common::SteadyTime deadline)>
      write;
  /// A bulk load's batches and its end (store::AgentRepository::loadBatch, ::endBulkLoad);
  /// empty for a collection that has none.
  std::function<common::Result<domain::ImportOutcome>(const std::vector<Row>& rows,
                                                      common::SteadyTime deadline)>
      load;
  std::function<common::Result<int64_t>(common::SteadyTime deadline)> end_load;
};

/// The collection of one store repository (store::Store::agents or ::projects): an export pages
/// through its list() with the filters `parse_filter` reads from the query, an import writes
/// through its importBatch().
template <class Row, class Filter, class Repository>
BulkCollection<Row> repositoryCollection(
    DomainServices& services, std::string name, std::string path,
    common::Result<Filter> (*parse_filter)(const std::map<std::string, std::string>&),
    common::Result<Row> (*parse_record)(Poco::JSON::Object&, int64_t),
    const domain::BodyFields& line_fields, Repository& (store::Store::*repository)()) {
  BulkCollection<Row> collection;
  collection.name = std::move(name);
  collection.path = std::move(path);
  Repository& rows = (services.store.*repository)();
  collection.pages = [parse_filter, &rows](const std::map<std::string, std::string>& query)
      -> common::Result<typename BulkCollection<Row>::Pages> {
    auto filter = parse_filter(query);
    if (!filter) return filter.error();
    filter->window.limit = domain::kExportPageRows;
    return typename BulkCollection<Row>::Pages(
        [&rows, filter = *filter](const std::optional<domain::Cursor>& after,
                                  common::SteadyTime deadline) {
          Filter page = filter;
          page.window.cursor = after;
          return rows.list(page, deadline);
        });
  };
  collection.parse = parse_record;
  collection.line_fields = &line_fields;
  collection.write = [&rows](const std::vector<Row>& batch, bool dry_run,
                             common::SteadyTime deadline) {
    return rows.importBatch(batch, dry_run, deadline);
  };
  return collection;
}

/// GET .../export[?filters]: every row (that the list route's filters in the query select) in id
/// order, one domain::toJson object a line, streamed in pages of domain::kExportPageRows, each
/// read in a read transaction of its own (so the WAL can checkpoint meanwhile) and bounded by
/// the request's budget. The first page is read before the head, so that a failing store is
/// answered with its envelope; a later failure, or the server stopping, ends the body without
/// its last chunk. X-Total-Count is the number of rows when the export began, sent when it is
/// exact (not a capped count). Keyset pages on the id: a row that exists throughout the export
/// appears exactly once, with its content when its page was read; a row created or deleted
/// meanwhile may or may not appear.
template <class Row>
Reply exportCollection(const BulkCollection<Row>& collection, DomainServices& services,
                       RequestContext& ctx);

/// POST .../import[?dry_run=true]: an application/x-ndjson body, one record a line (blank lines
/// skipped), read as it arrives (RequestContext::body_source; else ctx.body), so that memory
/// holds one batch, not the body. Each line is parsed (domain::parseNdjsonObject, then
/// `collection.parse`); the lines that parse are written in batches of
/// domain::kImportBatchLines, one write transaction each with the request's budget, where the
/// store may refuse some more (a taken id or name, a missing project). The answer (200) counts
/// accepted and rejected lines and lists the rejected ones (line number, field, code, message; at
/// most domain::kMaxListedRejections). When the store fails, or the body ends early (past
/// http.import_max_body_bytes, stalled, cut short), the import stops at the batch it was on: if
/// nothing had been written the answer is that failure's envelope (nothing happened; safe to
/// retry), otherwise the 200 report covers the lines before "stopped.line" and nothing from it
/// on was written. A dry run writes nothing (each batch is rolled back after its checks).
/// `bulk_load=true` (a collection with `load`, not a dry run) writes the batches as a bulk
/// load's: into an empty table its non-unique indexes are deferred until the load ends, and
/// the answer's "bulk_load" says whether a load is in progress ("loading") or the table was not
/// empty ("off"). `bulk_load=end` does the same and then ends the load: it builds the deferred
/// indexes before it answers ("ended", with "indexes_built"), which for a million rows takes
/// tens of seconds. Without the parameter "bulk_load" is null.
template <class Row>
Reply importCollection(const BulkCollection<Row>& collection, DomainServices& services,
                       RequestContext& ctx);

/// The options of the bulk routes: store-backed and bulk; `writes` for an import, which also
/// reads its body itself (streams_body).
RouteOptions bulkRouteOptions(bool writes);

}  // namespace cc::http::handlers
