#pragma once
// Admin routes over the store: users, minted tokens, the session pool, fault injection, backup.

#include <Poco/JSON/Object.h>

#include "http/handlers/domain_services.h"
#include "http/router.h"

namespace cc::admin {

/// Adds to the admin router (behind AdminAuth):
///   GET /admin/users, POST /admin/users, DELETE /admin/users/{name},
///   POST /admin/users/{name}/password, POST /admin/tokens, GET /admin/pool, GET /admin/faults,
///   PUT /admin/faults/db, DELETE /admin/faults/db, POST /admin/backup.
/// Users, tokens and backup use the store; pool and faults are in-memory and deliberately not
/// `uses_store`, so that a fault can be cleared while the store's breaker is open.
///
/// POST /admin/tokens mints a token without a password (for load tests). Tokens must belong to a
/// user row, so when the named user does not exist it is created with the requested role and a
/// random password that is never shown: the account cannot log in, and DELETE
/// /admin/users/{name} revokes every minted token at once. The token carries the requested role
/// even when an existing user has another one. A disabled user gets 403.
void addStoreAdminRoutes(http::Router& router, http::handlers::DomainServices& services);

/// The session pool, the group committer (`writer`) and the checkpoints (`checkpoints`): the body
/// of GET /admin/pool, also shown by the console's state view. In-memory, no store round trip.
Poco::JSON::Object::Ptr poolToJson(const store::Store& store);

}  // namespace cc::admin
