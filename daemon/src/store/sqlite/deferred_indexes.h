#pragma once
// A first load of a table with its non-unique secondary indexes built after the rows instead of
// maintained row by row.

#include <Poco/Data/Session.h>

#include <cstdint>
#include <string>

namespace cc::store::sqlite {

/// The indexes a bulk load has deferred, recorded in the table deferred_indexes (migration 7) in
/// the same transactions that drop and re-create them, so that the database says at any time
/// which of its indexes are missing and how to build them; that record is also the "bulk load
/// in progress" state. Only non-unique indexes are ever deferred: the unique ones (and the
/// primary key) keep deciding conflicts while the rows go in. Every function runs inside the
/// caller's write transaction (writes are serialised), on a connection that holds no statement
/// of the table open; none keeps state of its own.
class DeferredIndexes {
 public:
  /// Starts a bulk load of `table` when it has no row and no deferred index: moves the
  /// definition of each of its non-unique indexes into deferred_indexes and drops the index.
  /// Whether a load of `table` is in progress after the call (one already running: true).
  static bool begin(Poco::Data::Session& session, const std::string& table);
  /// Whether a load of `table` is in progress (it has deferred indexes).
  static bool pending(Poco::Data::Session& session, const std::string& table);
  /// Ends the load of `table` ("": of every table): builds each deferred index from its recorded
  /// definition and forgets it. The number of indexes built (0: there was no load). Throws, as
  /// the sql helpers do, when a definition fails; the caller's transaction then rolls back and
  /// the record stays for the next try.
  static int64_t build(Poco::Data::Session& session, const std::string& table);
};

}  // namespace cc::store::sqlite
