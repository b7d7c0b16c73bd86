#include "http/handlers/console_handler.h"

#include <Poco/DigestEngine.h>
#include <Poco/SHA2Engine.h>

#include <memory>

#include "http/error_envelope.h"

namespace cc::http::handlers {

const char* const kConsoleContentSecurityPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'";

namespace {

constexpr const char* kIndexName = "index.html";

std::string consoleDigest(const std::string& bytes) {
  Poco::SHA2Engine sha(Poco::SHA2Engine::SHA_256);
  sha.update(bytes);
  return Poco::DigestEngine::digestToHex(sha.digest());
}

std::string consoleContentType(const std::string& name) {
  auto dot = name.rfind('.');
  std::string ext = dot == std::string::npos ? "" : name.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "json") return "application/json";
  return "application/octet-stream";
}

// "app.js" with digest "ab12..." gives "app.ab12cdef0123.js"; 12 hex digits tell builds apart.
std::string hashedAssetName(const std::string& name, const std::string& digest) {
  auto dot = name.rfind('.');
  std::string tag = digest.substr(0, 12);
  if (dot == std::string::npos) return name + "." + tag;
  return name.substr(0, dot) + "." + tag + name.substr(dot);
}

void rewriteAssetPaths(std::string& text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
}

// If-None-Match may list several tags, or be "*".
bool consoleEtagMatches(const std::string& if_none_match, const std::string& etag) {
  if (if_none_match.empty()) return false;
  if (if_none_match == "*") return true;
  return if_none_match.find(etag) != std::string::npos;
}

}  // namespace

ConsoleAssets::ConsoleAssets(const std::vector<common::EmbeddedFile>& files) {
  std::string index;
  for (const auto& file : files) {
    std::string body(file.bytes);
    if (file.name == kIndexName) {
      index = std::move(body);
      continue;
    }
    std::string name(file.name);
    std::string digest = consoleDigest(body);
    Asset asset{body, consoleContentType(name), "\"" + digest.substr(0, 32) + "\"", false};
    std::string hashed = hashedAssetName(name, digest);
    hashed_names_[name] = hashed;
    assets_[name] = asset;
    asset.immutable = true;
    assets_[hashed] = std::move(asset);
  }
  // The page names its assets by their plain path; it is served naming the hashed ones.
  for (const auto& [name, hashed] : hashed_names_)
    rewriteAssetPaths(index, "\"/console/" + name + "\"", "\"/console/" + hashed + "\"");
  std::string digest = consoleDigest(index);
  assets_[kIndexName] =
      Asset{index, consoleContentType(kIndexName), "\"" + digest.substr(0, 32) + "\"", false};
}

std::string ConsoleAssets::hashedName(const std::string& name) const {
  auto it = hashed_names_.find(name);
  return it == hashed_names_.end() ? name : it->second;
}

std::optional<Reply> ConsoleAssets::serve(const std::string& name,
                                          const std::string& if_none_match) const {
  auto it = assets_.find(name.empty() ? kIndexName : name);
  if (it == assets_.end()) return std::nullopt;
  const Asset& asset = it->second;
  Reply reply;
  reply.content_type = asset.content_type;
  reply.setHeader("ETag", asset.etag);
  reply.setHeader("Cache-Control",
                  asset.immutable ? "public, max-age=31536000, immutable" : "no-cache");
  reply.setHeader("Content-Security-Policy", kConsoleContentSecurityPolicy);
  reply.setHeader("X-Content-Type-Options", "nosniff");
  reply.setHeader("Referrer-Policy", "no-referrer");
  reply.setHeader("X-Frame-Options", "DENY");
  if (consoleEtagMatches(if_none_match, asset.etag)) {
    reply.status = 304;
    reply.content_type.clear();
    return reply;
  }
  reply.status = 200;
  reply.body = asset.body;
  return reply;
}

void addConsoleRoutes(Router& router) {
  auto assets = std::make_shared<const ConsoleAssets>(consoleFiles());
  RouteOptions open;
  open.is_public = true;
  auto page = [assets](RequestContext& ctx) {
    return *assets->serve("", ctx.header("If-None-Match"));
  };
  router.add("GET", "/", page, open);
  router.add("GET", "/console", page, open);
  router.add("GET", "/console/", page, open);
  router.add(
      "GET", "/console/{file}",
      [assets](RequestContext& ctx) {
        const std::string& file = ctx.path_params["file"];
        if (auto reply = assets->serve(file, ctx.header("If-None-Match"))) return *reply;
        return errorReply(common::Error::notFound("no console file '" + file + "'"),
                          ctx.request_id);
      },
      open);
}

}  // namespace cc::http::handlers
