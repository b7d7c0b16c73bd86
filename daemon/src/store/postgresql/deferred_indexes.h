#pragma once
// A first load of a table with its non-unique secondary indexes built after the rows, on
// PostgreSQL.

#include <Poco/Data/Session.h>

#include <cstdint>
#include <string>

namespace cc::store::postgresql {

/// sqlite::DeferredIndexes in PostgreSQL's terms: the definitions (pg_get_indexdef) of the
/// dropped indexes live in deferred_indexes (migration 7), written in the transactions that drop
/// and re-create them, and that record is the "bulk load in progress" state every instance
/// sees. Only non-unique indexes are deferred. begin() and build() lock deferred_indexes for
/// the rest of the caller's write transaction, so that two instances never start or end a load
/// at once. Every function runs inside the caller's write transaction; none keeps state.
class DeferredIndexes {
 public:
  /// Starts a bulk load of `table` when it has no row and no deferred index. Whether a load of
  /// `table` is in progress after the call.
  static bool begin(Poco::Data::Session& session, const std::string& table);
  /// Whether a load of `table` is in progress.
  static bool pending(Poco::Data::Session& session, const std::string& table);
  /// Ends the load of `table` ("": of every table); the number of indexes built. Throws, as the
  /// sql helpers do, when a definition fails.
  static int64_t build(Poco::Data::Session& session, const std::string& table);
};

}  // namespace cc::store::postgresql
