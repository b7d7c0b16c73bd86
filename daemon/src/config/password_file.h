#pragma once
// The password a `*.password_file` key names, read and checked once for every backend.

#include <optional>
#include <string>

#include "config/config.h"
#include "config/problem.h"

namespace cc::config {

/// The first line of the file `key` names (owner-only, see common::readSecretFile); nullopt when
/// the key is empty (no password) or when the file cannot be used, which is then a problem
/// naming `key`: unreadable, readable by others, or holding no password. The password itself is
/// never in a problem.
std::optional<std::string> passwordFromFile(const Config& config, const std::string& key,
                                            Problems& problems);

}  // namespace cc::config
