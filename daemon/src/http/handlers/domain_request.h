#pragma once
// Pieces every domain route shares: ids from the path, strict query flags, change announcements.

#include <cstdint>
#include <string>

#include "common/result.h"
#include "http/handlers/domain_services.h"
#include "http/request_context.h"
#include "http/router.h"

namespace cc::http::handlers {

/// A domain route: a plain function of the services and the request.
using DomainHandler = Reply (*)(DomainServices& services, RequestContext& ctx);
/// The router's Handler for `fn`; `services` must outlive the router.
Handler bindServices(DomainServices& services, DomainHandler fn);

/// The positive integer in path parameter `param`. Anything else (letters, signs, zero,
/// overflow) is kNotFound naming `what`, because no such resource can exist.
common::Result<int64_t> pathId(const RequestContext& ctx, const std::string& what,
                               const std::string& param = "id");

/// A boolean query flag that must be exactly "true" or "false"; `fallback` when absent.
/// Error::invalid(name, …) otherwise.
common::Result<bool> queryFlag(const RequestContext& ctx, const std::string& name, bool fallback);

/// After a successful write: drops cached GETs under `path_prefix` and publishes
/// {"type":type,"id":id[,"<key>":object]} on `topic`, `object` being JSON text. Either service
/// may be unset. `key` and `object` are omitted when `object` is empty (deletions).
void announceChange(const DomainServices& services, const std::string& topic,
                    const std::string& path_prefix, const std::string& type, int64_t id,
                    const std::string& key, const std::string& object);

}  // namespace cc::http::handlers
