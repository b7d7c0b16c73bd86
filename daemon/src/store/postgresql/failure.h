#pragma once
// What a failed PostgreSQL call means to the store, read from the SQLSTATE in Poco's exception.

#include <string>
#include <string_view>

#include "common/error.h"

namespace cc::store::postgresql {

/// The five-character SQLSTATE in the text of a Poco PostgreSQL exception ("... State: 23505
/// Detail: ..."), or "" when it carries none: Poco 1.11 puts it only into the errors of running
/// a statement, not of preparing one, connecting or BEGIN/COMMIT.
std::string sqlStateIn(std::string_view text);

/// How the store treats a failed PostgreSQL call. A plain value.
struct Failure {
  std::string sqlstate;  ///< "" when the text had none
  /// kConflict for a unique violation (23505), kTimeout for a cancelled statement (57014: our
  /// statement_timeout), kInsufficientStorage for a full disk (53100), else
  /// kDependencyUnavailable.
  common::ErrorCode code = common::ErrorCode::kDependencyUnavailable;
  /// A serialization failure (40001) or a deadlock (40P01): the whole transaction may succeed
  /// when run again, so a bounded retry is worth it.
  bool retryable = false;
  /// The connection is gone or going (class 08, the server shutting down: 57P01..57P03, or
  /// libpq's words for a lost connection): close it rather than hand it out again.
  bool reopen = false;
};

/// Classifies the text of a Poco PostgreSQL exception (`displayText()` or `message()`). Pure.
Failure classifyFailure(std::string_view text);

}  // namespace cc::store::postgresql
