#include "http/handlers/domain_request.h"

#include "common/json_writer.h"
#include "http/json_body.h"

namespace cc::http::handlers {

Handler bindServices(DomainServices& services, DomainHandler fn) {
  return [&services, fn](RequestContext& ctx) { return fn(services, ctx); };
}

common::Result<int64_t> pathId(const RequestContext& ctx, const std::string& what,
                               const std::string& param) {
  auto it = ctx.path_params.find(param);
  const std::string text = it == ctx.path_params.end() ? std::string() : it->second;
  // Digits only and at most 18 of them, so the value always fits in int64_t.
  bool digits = !text.empty() && text.size() <= 18 &&
                text.find_first_not_of("0123456789") == std::string::npos;
  int64_t id = digits ? std::stoll(text) : 0;
  if (id < 1) return common::Error::notFound("no " + what + " with id '" + text + "'");
  return id;
}

common::Result<bool> queryFlag(const RequestContext& ctx, const std::string& name, bool fallback) {
  auto value = ctx.queryParam(name);
  if (!value) return fallback;
  if (*value == "true") return true;
  if (*value == "false") return false;
  return common::Error::invalid(name, "must be true or false, got '" + *value + "'");
}

void announceChange(const DomainServices& services, const std::string& topic,
                    const std::string& path_prefix, const std::string& type, int64_t id,
                    const std::string& key, const std::string& object) {
  if (services.invalidate) services.invalidate(path_prefix);
  if (!services.publish) return;
  std::string event;
  common::JsonWriter w(event);
  w.beginObject().key("type").value(type).key("id").value(id);
  if (!object.empty()) w.key(key).raw(object);
  w.endObject();
  services.publish(topic, event);
}

}  // namespace cc::http::handlers
