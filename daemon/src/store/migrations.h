#pragma once
// Numbered schema migrations, each applied once in its own transaction.

#include <Poco/Data/Session.h>

#include <string>
#include <vector>

#include "common/clock.h"
#include "common/result.h"

namespace cc::store {

/// One schema step. Versions start at 1 and increase by one.
struct Migration {
  int version;
  std::string description;
  std::vector<std::string> statements;
};

/// The migrations this binary knows, in order.
const std::vector<Migration>& builtinMigrations();

/// Applies every migration newer than the database's version, each in a BEGIN IMMEDIATE
/// transaction that also records (version, applied_at) in `schema_migrations`. Fails, naming
/// both versions, when the database is newer than the newest migration given. Returns the
/// resulting schema version. Not thread-safe: run once at start-up, before serving.
common::Result<int> migrate(Poco::Data::Session& session, const common::Clock& clock,
                            const std::vector<Migration>& migrations = builtinMigrations());

/// What migrate() answers for a database at schema `current` when this binary knows migrations
/// up to `known` only (on every backend): kDependencyUnavailable naming both.
common::Error newerSchemaError(int current, int known);

/// The highest version recorded in `schema_migrations` (0 for an empty database).
int schemaVersion(Poco::Data::Session& session);

}  // namespace cc::store
