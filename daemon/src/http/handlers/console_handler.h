#pragma once
// GET / and /console/...: the built-in web console, served from the files embedded at build time.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/embedded_file.h"
#include "http/reply.h"
#include "http/router.h"

namespace cc::http::handlers {

/// web/console/ as it was when the daemon was built (CMake embeds the folder), by name.
const std::vector<common::EmbeddedFile>& consoleFiles();

/// The console's files ready to serve. Each asset is served under its own name (revalidated
/// with its ETag) and under a name carrying its content hash (`app.<hash>.js`, cached for a
/// year: a new build has new names). index.html refers to the hashed names, so a browser
/// fetches each changed asset once and nothing else. Built once, then only read: thread-safe.
class ConsoleAssets {
 public:
  explicit ConsoleAssets(const std::vector<common::EmbeddedFile>& files);

  /// The answer to GET /console/<name> ("" or "index.html" for the page itself), honouring
  /// If-None-Match (`if_none_match`, "" when absent) with 304. nullopt for an unknown name.
  std::optional<Reply> serve(const std::string& name, const std::string& if_none_match) const;

  /// The name index.html refers to for `name` (for tests and the docs' example).
  std::string hashedName(const std::string& name) const;

 private:
  struct Asset {
    std::string body;
    std::string content_type;
    std::string etag;
    bool immutable = false;
  };
  std::map<std::string, Asset> assets_;  // by served name, hashed names included
  std::map<std::string, std::string> hashed_names_;
};

/// The Content-Security-Policy every console answer carries: its own origin only, no inline
/// script or style, no frames.
extern const char* const kConsoleContentSecurityPolicy;

/// Adds GET /, /console, /console/ and /console/{file} (public: the page logs in itself).
void addConsoleRoutes(Router& router);

}  // namespace cc::http::handlers
