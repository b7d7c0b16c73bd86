#include "domain/input.h"

#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <sstream>

#include "common/clock.h"
#include "common/spelling.h"
#include "config/key_table.h"

namespace cc::domain {

using common::Error;
using common::Result;
using common::Status;

Result<SortOrder> parseSort(const std::string& text, const std::vector<std::string>& allowed) {
  SortOrder order;
  order.descending = !text.empty() && text[0] == '-';
  order.column = order.descending ? text.substr(1) : text;
  if (std::find(allowed.begin(), allowed.end(), order.column) == allowed.end()) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    return Error::invalid("sort", "cannot sort by '" + text + "'; use one of " + list +
                                      " (prefix '-' for descending)");
  }
  return order;
}

Status checkWindow(const ListWindow& window, const std::string& sort) {
  if (window.limit < 1 || window.limit > kMaxLimit) {
    return Error::invalid("limit", "must be between 1 and " + std::to_string(kMaxLimit));
  }
  if (window.offset < 0) return Error::invalid("offset", "must not be negative");
  if (window.offset > kMaxOffset) {
    return Error::invalid("offset", "must be at most " + std::to_string(kMaxOffset) +
                                        "; page deeper with cursor (next_cursor of the page "
                                        "before), which costs the same at any depth");
  }
  if (window.cursor) {
    if (window.offset_given) return Error::invalid("cursor", "cannot be combined with offset");
    if (window.cursor->sort != sort) {
      return Error::invalid("cursor",
                            "was issued for sort=" + window.cursor->sort + ", not sort=" + sort);
    }
  }
  return common::Ok{};
}

Result<int64_t> queryInt(const std::map<std::string, std::string>& query, const std::string& key,
                         int64_t fallback) {
  auto it = query.find(key);
  if (it == query.end()) return fallback;
  auto v = config::parseInt(it->second);
  if (!v) return Error::invalid(key, "must be an integer, got '" + it->second + "'");
  return *v;
}

Status readListParams(const std::map<std::string, std::string>& query, std::string& q,
                      std::string& sort, ListWindow& window) {
  if (auto it = query.find("q"); it != query.end()) q = it->second;
  if (auto it = query.find("sort"); it != query.end()) sort = it->second;
  auto l = queryInt(query, "limit", window.limit);
  if (!l.ok()) return l.error();
  auto o = queryInt(query, "offset", window.offset);
  if (!o.ok()) return o.error();
  window.limit = *l;
  window.offset = *o;
  window.offset_given = window.offset_given || query.count("offset") != 0;
  if (auto it = query.find("cursor"); it != query.end()) {
    auto cursor = decodeCursor(it->second);
    if (!cursor.ok()) return cursor.error();
    window.cursor = *cursor;
  }
  return common::Ok{};
}

Status rejectUnknownParams(const std::map<std::string, std::string>& query,
                           const std::vector<std::string_view>& known) {
  for (const auto& [name, value] : query) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return Error::invalid(name, "unknown query parameter" + common::didYouMean(name, known));
    }
  }
  return common::Ok{};
}

std::size_t textLength(const std::string& text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

Status checkText(const std::string& field, const std::string& text, std::size_t min,
                 std::size_t max) {
  std::size_t n = textLength(text);
  if (n < min || n > max) {
    if (min > 0 && n == 0) return Error::invalid(field, "must not be empty");
    return Error::invalid(field, "must be " + std::to_string(min) + " to " + std::to_string(max) +
                                     " characters long, got " + std::to_string(n));
  }
  return common::Ok{};
}

namespace {

Error unknownField(const std::string& name, const std::vector<std::string_view>& known) {
  return Error::invalid(name, "unknown field" + common::didYouMean(name, known));
}

}  // namespace

Error tooLarge(const std::string& field, std::size_t max, std::size_t got) {
  return Error::invalid(field, "must be at most " + std::to_string(max) + " bytes of JSON, got " +
                                   std::to_string(got));
}

Status BodyFields::check(std::string_view name, std::size_t value_bytes) const {
  for (const auto& [field, max] : fields_) {
    if (field != name) continue;
    if (value_bytes > max) return tooLarge(field, max, value_bytes);
    return common::Ok{};
  }
  std::vector<std::string_view> known;
  for (const auto& field : fields_) known.emplace_back(field.first);
  return unknownField(std::string(name), known);
}

common::JsonMemberCheck BodyFields::memberCheck() const {
  return
      [this](std::string_view name, std::size_t value_bytes) { return check(name, value_bytes); };
}

BodyFields BodyFields::with(std::vector<std::pair<std::string, std::size_t>> more) const {
  more.insert(more.begin(), fields_.begin(), fields_.end());
  return BodyFields(std::move(more));
}

std::vector<std::string> BodyFields::names() const {
  std::vector<std::string> out;
  for (const auto& field : fields_) out.push_back(field.first);
  return out;
}

namespace json_input {

Status rejectUnknown(const Poco::JSON::Object& obj, const std::vector<std::string>& known) {
  std::vector<std::string> names;
  obj.getNames(names);
  for (const auto& name : names) {
    if (std::find(known.begin(), known.end(), name) == known.end()) {
      return unknownField(name, std::vector<std::string_view>(known.begin(), known.end()));
    }
  }
  return common::Ok{};
}

Result<std::optional<std::string>> text(const Poco::JSON::Object& obj, const std::string& field) {
  if (!obj.has(field) || obj.isNull(field)) return std::optional<std::string>();
  const Poco::Dynamic::Var& v = obj.get(field);
  if (!v.isString()) return Error::invalid(field, "must be a string");
  return std::optional<std::string>(v.extract<std::string>());
}

Result<std::optional<bool>> boolean(const Poco::JSON::Object& obj, const std::string& field) {
  if (!obj.has(field) || obj.isNull(field)) return std::optional<bool>();
  const Poco::Dynamic::Var& v = obj.get(field);
  if (!v.isBoolean()) return Error::invalid(field, "must be true or false");
  return std::optional<bool>(v.convert<bool>());
}

Result<std::optional<std::optional<int64_t>>> nullableInt(const Poco::JSON::Object& obj,
                                                          const std::string& field) {
  using Out = std::optional<std::optional<int64_t>>;
  if (!obj.has(field)) return Out();
  if (obj.isNull(field)) return Out(std::optional<int64_t>());
  const Poco::Dynamic::Var& v = obj.get(field);
  if (v.isBoolean() || !v.isInteger()) return Error::invalid(field, "must be an integer or null");
  try {
    return Out(std::optional<int64_t>(v.convert<Poco::Int64>()));
  } catch (const Poco::Exception&) {
    return Error::invalid(field, "is out of range");
  }
}

Result<std::optional<std::string>> objectText(const Poco::JSON::Object& obj,
                                              const std::string& field) {
  if (!obj.has(field) || obj.isNull(field)) return std::optional<std::string>();
  Poco::JSON::Object::Ptr value = obj.getObject(field);
  if (value.isNull()) return Error::invalid(field, "must be a JSON object");
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(value, out);
  return std::optional<std::string>(out.str());
}

Error required(const std::string& field) { return Error::invalid(field, "is required"); }

}  // namespace json_input

bool isJsonObjectText(const std::string& text) {
  try {
    Poco::JSON::Parser parser;
    return parser.parse(text).type() == typeid(Poco::JSON::Object::Ptr);
  } catch (const Poco::Exception&) {
    return false;
  }
}

}  // namespace cc::domain
