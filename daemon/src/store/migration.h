#pragma once
// A numbered schema step, and what every backend answers for a database newer than the binary.

#include <string>
#include <vector>

#include "common/result.h"

namespace cc::store {

/// One schema step. Versions start at 1 and increase by one; version N means the same schema on
/// every backend (sqlite::builtinMigrations(), postgresql::builtinMigrations()).
struct Migration {
  int version;
  std::string description;
  std::vector<std::string> statements;
};

/// What a backend's migrate answers for a database at schema `current` when this binary knows
/// migrations up to `known` only: kDependencyUnavailable naming both.
common::Error newerSchemaError(int current, int known);

}  // namespace cc::store
