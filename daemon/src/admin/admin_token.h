#pragma once
// The admin API's bearer token, kept in a 0600 file in the state directory.

#include <string>

#include "common/result.h"

namespace cc::admin {

/// Reads the token from `path`, creating it with 256 random bits (64 hex characters, mode 0600)
/// when the file does not exist.
common::Result<std::string> loadOrCreateAdminToken(const std::string& path);

}  // namespace cc::admin
