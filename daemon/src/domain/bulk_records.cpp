#include "domain/bulk_records.h"

#include <Poco/Exception.h>

#include <algorithm>

#include "common/clock.h"
#include "common/json_text.h"

namespace cc::domain {

using common::Error;
using common::Result;

namespace {

// Bytes asked of the source at a time.
constexpr std::size_t kNdjsonBlockBytes = 64 * 1024;

}  // namespace

NdjsonLines::NdjsonLines(std::string_view text)
    : source_([text, at = std::size_t{0}](char* buf, std::size_t n) mutable {
        const std::size_t take = std::min(n, text.size() - at);
        std::copy_n(text.data() + at, take, buf);
        at += take;
        return take;
      }) {}

bool NdjsonLines::fill() {
  if (ended_) return false;
  // What was handed out is dropped first, so that the buffer holds one unfinished line at most.
  buffer_.erase(0, at_);
  at_ = 0;
  const std::size_t had = buffer_.size();
  buffer_.resize(had + kNdjsonBlockBytes);
  const std::size_t got = source_(buffer_.data() + had, kNdjsonBlockBytes);
  buffer_.resize(had + got);
  if (got == 0) ended_ = true;
  return got > 0;
}

bool NdjsonLines::next(NdjsonLine& line) {
  while (true) {
    std::size_t end = buffer_.find('\n', at_);
    bool skipped = false;
    std::size_t skipped_bytes = 0;
    if (end == std::string::npos && buffer_.size() - at_ > kMaxImportLineBytes) {
      // Too long to hold: counted and dropped up to its end.
      skipped = true;
      skipped_bytes = buffer_.size() - at_;
      at_ = buffer_.size();
      while (fill()) {
        end = buffer_.find('\n');
        if (end != std::string::npos) {
          skipped_bytes += end;
          at_ = end;
          break;
        }
        skipped_bytes += buffer_.size();
        at_ = buffer_.size();
      }
      if (end == std::string::npos) end = buffer_.size();
    }
    if (!skipped && end == std::string::npos) {
      if (fill()) continue;
      if (at_ >= buffer_.size()) return false;
      end = buffer_.size();  // the last line, without '\n'
    }
    std::string_view text(buffer_.data() + at_, end - at_);
    if (skipped) text = {};
    at_ = std::min(end + 1, buffer_.size());
    ++number_;
    if (skipped) {
      line = {number_, {}, true, skipped_bytes};
      return true;
    }
    if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
    if (text.find_first_not_of(" \t") == std::string_view::npos) {
      ++blank_;
      continue;
    }
    line = {number_, text, false, text.size()};
    return true;
  }
}

Error lineTooLong(std::size_t bytes) {
  return Error::badRequest("line is " + std::to_string(bytes) +
                           " bytes long; an import line is at most " +
                           std::to_string(kMaxImportLineBytes));
}

Result<Poco::JSON::Object::Ptr> parseNdjsonObject(std::string_view text, Poco::JSON::Parser& parser,
                                                  const BodyFields* fields) {
  if (text.size() > kMaxImportLineBytes) return lineTooLong(text.size());
  if (auto checked =
          common::checkJsonText(text, common::kMaxJsonDepth, "line",
                                fields ? fields->memberCheck() : common::JsonMemberCheck());
      !checked) {
    return checked.error();
  }
  // Poco's parser reports a bare scalar ("42") as a broken parse; say what is wrong instead.
  const std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos || text[first] != '{') {
    return Error::badRequest("a line must be one JSON object");
  }
  try {
    parser.reset();
    Poco::Dynamic::Var value = parser.parse(std::string(text));
    if (value.type() != typeid(Poco::JSON::Object::Ptr)) {
      return Error::badRequest("a line must be one JSON object");
    }
    return value.extract<Poco::JSON::Object::Ptr>();
  } catch (const Poco::Exception& e) {
    return Error::badRequest("malformed JSON: " + e.message());
  }
}

namespace {

// The id an export wrote, or 0 when absent or null (the store then assigns one).
Result<int64_t> recordId(const Poco::JSON::Object& line) {
  auto id = json_input::nullableInt(line, "id");
  if (!id) return id.error();
  if (!*id || !**id) return int64_t{0};
  if (***id < 1 || ***id > kMaxImportId) {
    return Error::invalid("id", "must be between 1 and " + std::to_string(kMaxImportId) +
                                    " (or absent, for a new id), got " + std::to_string(***id));
  }
  return ***id;
}

// An ISO-8601 time field; nullopt when absent or null.
Result<std::optional<int64_t>> recordTime(const Poco::JSON::Object& line,
                                          const std::string& field) {
  auto text = json_input::text(line, field);
  if (!text) return text.error();
  if (!*text) return std::optional<int64_t>();
  auto ms = common::parseIsoTime(**text);
  if (!ms) {
    return Error::invalid(field,
                          "must be an ISO-8601 time such as 2024-05-01T12:00:00.000Z (at "
                          "or after 1970), got '" +
                              (*text)->substr(0, 64) + "'");
  }
  return std::optional<int64_t>(*ms);
}

// The fields every record shares beyond its create fields, read and taken out of `line` so
// that the create parser sees only its own.
struct RecordFields {
  int64_t id = 0;
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
};

Result<RecordFields> takeRecordFields(Poco::JSON::Object& line, int64_t now_ms) {
  RecordFields out;
  auto id = recordId(line);
  if (!id) return id.error();
  out.id = *id;
  auto created = recordTime(line, "created_at");
  if (!created) return created.error();
  auto updated = recordTime(line, "updated_at");
  if (!updated) return updated.error();
  out.created_at_ms = created->value_or(now_ms);
  out.updated_at_ms = updated->value_or(now_ms);
  for (const char* field : {"id", "created_at", "updated_at"}) line.remove(field);
  return out;
}

}  // namespace

// An id or an ISO-8601 time is a few bytes; 64 leaves room for any escaping of a valid one.
const BodyFields& agentRecordFields() {
  static const BodyFields fields = agentBodyFields().with(
      {{"id", 64}, {"last_heartbeat", 64}, {"created_at", 64}, {"updated_at", 64}});
  return fields;
}

const BodyFields& projectRecordFields() {
  static const BodyFields fields =
      projectBodyFields().with({{"id", 64}, {"created_at", 64}, {"updated_at", 64}});
  return fields;
}

Result<Agent> parseAgentRecord(Poco::JSON::Object& line, int64_t now_ms) {
  if (auto st = json_input::rejectUnknown(line, agentRecordFields().names()); !st.ok()) {
    return st.error();
  }
  auto fields = takeRecordFields(line, now_ms);
  if (!fields) return fields.error();
  auto heartbeat = recordTime(line, "last_heartbeat");
  if (!heartbeat) return heartbeat.error();
  line.remove("last_heartbeat");
  auto input = parseAgentInput(line, false);
  if (!input) return input.error();
  Agent a;
  a.id = fields->id;
  a.name = std::move(*input->name);
  a.level = *input->level;
  a.role = std::move(*input->role);
  a.status = input->status.value_or(AgentStatus::kIdle);
  a.project_id = input->project_id.value_or(std::nullopt);
  a.metadata = input->metadata.value_or("{}");
  a.last_heartbeat_ms = *heartbeat;
  a.created_at_ms = fields->created_at_ms;
  a.updated_at_ms = fields->updated_at_ms;
  return a;
}

Result<Project> parseProjectRecord(Poco::JSON::Object& line, int64_t now_ms) {
  if (auto st = json_input::rejectUnknown(line, projectRecordFields().names()); !st.ok()) {
    return st.error();
  }
  auto fields = takeRecordFields(line, now_ms);
  if (!fields) return fields.error();
  auto input = parseProjectInput(line, false);
  if (!input) return input.error();
  Project p;
  p.id = fields->id;
  p.name = std::move(*input->name);
  p.description = input->description.value_or("");
  p.status = input->status.value_or(ProjectStatus::kActive);
  p.path = input->path.value_or("");
  p.created_at_ms = fields->created_at_ms;
  p.updated_at_ms = fields->updated_at_ms;
  return p;
}

}  // namespace cc::domain
