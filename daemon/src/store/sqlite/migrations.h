#pragma once
// The SQLite schema: numbered migrations, each applied once in its own transaction.

#include <Poco/Data/Session.h>

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"
#include "store/migration.h"

namespace cc::store::sqlite {

/// The migrations this binary knows, in order.
const std::vector<Migration>& builtinMigrations();

/// Applies every migration newer than the database's version, each in a BEGIN IMMEDIATE
/// transaction that also records (version, applied_at) in `schema_migrations`. Fails, naming
/// both versions, when the database is newer than the newest migration given. Returns the
/// resulting schema version. Not thread-safe: run once at start-up, before serving.
common::Result<int> migrate(Poco::Data::Session& session, const common::Clock& clock,
                            const std::vector<Migration>& migrations = builtinMigrations());

/// The highest version recorded in `schema_migrations` (0 for an empty database).
int schemaVersion(Poco::Data::Session& session);

}  // namespace cc::store::sqlite
