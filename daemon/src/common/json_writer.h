#pragma once
// A small append-only JSON text writer: the sampler serialises every round, so it must be cheap.

#include <cstdint>
#include <string>
#include <string_view>

namespace cc::common {

/// Appends JSON to a string. The caller keeps the structure balanced; commas are inserted
/// automatically. Strings are escaped and any invalid UTF-8 (process names and command lines
/// are arbitrary bytes) becomes U+FFFD, so the output is always valid JSON. Non-finite doubles
/// are written as null. Not thread-safe (a plain value type).
class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& beginObject();
  JsonWriter& endObject();
  JsonWriter& beginArray();
  JsonWriter& endArray();
  /// The key of the next value inside an object.
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view v);
  JsonWriter& value(const char* v) { return value(std::string_view(v)); }
  JsonWriter& value(int64_t v);
  JsonWriter& value(uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<int64_t>(v)); }
  JsonWriter& value(double v);
  JsonWriter& value(bool v);
  JsonWriter& null();
  /// A Unix time in milliseconds as its ISO-8601 string (formatIsoTime), written in place.
  JsonWriter& time(int64_t unix_ms);
  /// Inserts already-serialised JSON as one value.
  JsonWriter& raw(std::string_view json);

  /// Appends `s` as a quoted JSON string.
  static void appendString(std::string& out, std::string_view s);

 private:
  void separate();
  std::string& out_;
  bool need_comma_ = false;
};

}  // namespace cc::common
