#include "store/migration.h"

namespace cc::store {

common::Error newerSchemaError(int current, int known) {
  return common::Error::unavailable(common::ErrorCode::kDependencyUnavailable,
                                    "database schema version " + std::to_string(current) +
                                        " is newer than this controlcenterd supports (version " +
                                        std::to_string(known) +
                                        "); run a newer controlcenterd or restore a backup");
}

}  // namespace cc::store
