#pragma once
// The PostgreSQL schema: numbered migrations applied once, under an advisory lock.

#include <Poco/Data/Session.h>

#include <chrono>
#include <cstdint>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/migration.h"

namespace cc::store::postgresql {

/// The key of the session-level advisory lock migrateUnderLock() holds ("ccmigrat" in ASCII), so
/// that nothing else in the database is likely to take it by chance.
inline constexpr int64_t kMigrationLock = 0x63636d6967726174;

/// The PostgreSQL migrations this binary knows, in order. Version N is the schema SQLite's
/// version N is (sqlite::builtinMigrations()), in PostgreSQL's terms: identity columns, BOOLEAN,
/// the same indexes each ending in the id (PostgreSQL has no rowid to close them), the counts
/// maintained by triggers, pg_trgm for substring search, and text sorted bytewise (COLLATE "C")
/// as SQLite sorts it.
const std::vector<Migration>& builtinMigrations();

/// Applies every migration newer than the database's, each in a transaction that also records
/// (version, applied_at) in `schema_migrations`, while holding the advisory lock kMigrationLock:
/// daemons that start together against one database migrate it once (the first applies, the
/// others wait for the lock, up to `lock_wait`, and then find nothing left to do). Fails, naming
/// both versions, when the database is newer than the newest migration given; fails naming the
/// lock when another session holds it past `lock_wait`. Returns the resulting version. Leaves
/// the session's statement_timeout at 0. Run once at start-up, before serving.
common::Result<int> migrateUnderLock(
    Poco::Data::Session& session, const common::Clock& clock,
    const std::vector<Migration>& migrations = builtinMigrations(),
    std::chrono::milliseconds lock_wait = std::chrono::seconds(60));

/// The highest version recorded in `schema_migrations` (0 when the table is empty or missing).
int schemaVersion(Poco::Data::Session& session);

}  // namespace cc::store::postgresql
