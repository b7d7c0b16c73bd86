#pragma once
// The refusal both backends give a change that would leave no enabled admin.

#include <string>

#include "common/error.h"

namespace cc::store {

/// kConflict: `username` is the last enabled admin, and `what` ("deleting it", ...) would leave
/// nobody able to write.
common::Error lastAdminError(const std::string& username, const std::string& what);

/// What an update that `demotes` and/or `disables` the user does, for lastAdminError.
std::string lastAdminChange(bool demotes, bool disables);

}  // namespace cc::store
