#pragma once
// Bulk transfer as NDJSON: import lines read into agents and projects (checked like a create,
// plus the fields an export carries), export lines written, and the limits that bound both.

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/json_writer.h"
#include "common/result.h"
#include "domain/agent.h"
#include "domain/input.h"
#include "domain/project.h"

namespace cc::domain {

/// The longest import line read; a longer one is rejected unparsed. An exported line is far
/// shorter: its largest field, metadata, is at most kMaxMetadataBytes.
inline constexpr std::size_t kMaxImportLineBytes = 64 * 1024;
/// Lines written per transaction by an import: a commit writes every page the batch touched in
/// 20 indexes, many of them the same pages again for every batch, so that 8,000 lines a batch
/// import 1.4 times faster than 1,000 (docs/benchmarks.md); small enough that the writer is held
/// for a fraction of a second (0.2 to 0.5 s) at a time. The ctl sends one batch a request.
inline constexpr std::size_t kImportBatchLines = 8000;
/// Rejected lines an import's answer lists; past it they are counted, not listed.
inline constexpr std::size_t kMaxListedRejections = 1000;
/// The largest id an import keeps: 2^53 - 1, the last integer every JSON reader holds exactly.
/// It also keeps the id sequence far from INT64_MAX, past which SQLite assigns no new id.
inline constexpr int64_t kMaxImportId = (int64_t{1} << 53) - 1;
/// Rows an export reads per page, each page its own read transaction: the largest page a
/// listing serves.
inline constexpr int64_t kExportPageRows = kMaxLimit;

/// What one import batch did: how many rows went in (or, in a dry run, would have), and those
/// refused, by their index in the batch, each with its reason (error.field names the field).
struct ImportOutcome {
  std::size_t accepted = 0;
  std::vector<std::pair<std::size_t, common::Error>> refused;
  /// A bulk load of the table is in progress after the batch (store::AgentRepository::loadBatch).
  bool bulk_load = false;
};

/// One non-blank line of an NDJSON text: its number (1-based, blank lines counted) and its text
/// without the line end. A line longer than kMaxImportLineBytes comes without its text
/// (`too_long`, `bytes` its length): it is skipped as it is read, never held.
struct NdjsonLine {
  int64_t number = 0;
  std::string_view text;
  bool too_long = false;
  std::size_t bytes = 0;
};

/// Splits NDJSON into lines as it is read, a block at a time, so that a body of any size takes
/// at most one block and one line of memory: '\n' ends a line, a '\r' before it is dropped, and
/// a last line needs no '\n'. Blank lines (spaces and tabs only) are skipped and counted. Used by
/// one thread.
class NdjsonLines {
 public:
  /// Fills `buf` with up to `n` bytes; 0 at the end of the text (or when reading failed).
  using Source = std::function<std::size_t(char* buf, std::size_t n)>;
  explicit NdjsonLines(Source source) : source_(std::move(source)) {}
  /// Over a text held in memory, which must outlive this.
  explicit NdjsonLines(std::string_view text);
  /// The next non-blank line; false at the end. The line's text is valid until the next call.
  bool next(NdjsonLine& line);
  /// Lines read so far, blank ones included.
  int64_t lines() const { return number_; }
  int64_t blank() const { return blank_; }

 private:
  bool fill();

  Source source_;
  std::string buffer_;
  std::size_t at_ = 0;  // the start of the next line in buffer_
  bool ended_ = false;
  int64_t number_ = 0;
  int64_t blank_ = 0;
};

/// Error::badRequest for a line of `bytes` bytes, longer than kMaxImportLineBytes.
common::Error lineTooLong(std::size_t bytes);

/// The JSON object on one line: kMaxImportLineBytes, then common::checkJsonText (UTF-8, NUL,
/// nesting, and with `fields` each top-level member: unknown or oversized ones are refused
/// before the parse), then `parser` (reset first, so one parser serves a whole body).
/// Error::badRequest (or Error::invalid naming the field) otherwise.
common::Result<Poco::JSON::Object::Ptr> parseNdjsonObject(std::string_view text,
                                                          Poco::JSON::Parser& parser,
                                                          const BodyFields* fields = nullptr);

/// The fields of an agent's import line: those of a create and id, created_at, updated_at and
/// last_heartbeat, which an export writes.
const BodyFields& agentRecordFields();
/// The fields of a project's import line: those of a create and id, created_at, updated_at.
const BodyFields& projectRecordFields();

/// An agent from an import line: the fields of a create (parseAgentInput; status defaults to
/// idle) and those an export adds, so that a move keeps them: id (1..kMaxImportId; absent or
/// null: 0, the store assigns one), created_at and updated_at (ISO-8601 as common::parseIsoTime
/// reads it; absent: `now_ms`), last_heartbeat (ISO-8601 or null). Error::invalid naming the
/// field otherwise. Takes the export-only fields out of `line`.
common::Result<Agent> parseAgentRecord(Poco::JSON::Object& line, int64_t now_ms);
/// A project from an import line: parseProjectInput's fields (status defaults to active,
/// description and path to "") plus id, created_at and updated_at as for agents.
common::Result<Project> parseProjectRecord(Poco::JSON::Object& line, int64_t now_ms);

/// Appends `row` (an Agent or a Project) as one export line: the JSON of the list API and '\n'.
template <class Row>
void appendNdjson(std::string& out, const Row& row) {
  common::JsonWriter w(out);
  writeJson(w, row);
  out += '\n';
}

}  // namespace cc::domain
