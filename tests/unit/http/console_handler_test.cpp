#include "http/handlers/console_handler.h"

#include <gtest/gtest.h>

#include <Poco/DirectoryIterator.h>
#include <Poco/Path.h>

#include <fstream>
#include <map>
#include <sstream>

namespace cc::http::handlers {
namespace {

std::string readConsoleSourceFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

const std::vector<common::EmbeddedFile> kSampleConsole{
    {"index.html",
     "<link href=\"/console/style.css\"><script src=\"/console/app.js\"></script>"
     "<a href=\"/console/app.jsx\">"},
    {"app.js", "console.log(1);"},
    {"style.css", "body{}"},
};

std::string header(const Reply& reply, const std::string& name) {
  const std::string* value = reply.header(name);
  return value == nullptr ? "" : *value;
}

TEST(ConsoleFilesTest, TheEmbeddedFilesAreTheFilesInWebConsole) {
  std::map<std::string, std::string> on_disk;
  const std::string dir = std::string(CC_SOURCE_DIR) + "/web/console";
  for (Poco::DirectoryIterator it(dir), end; it != end; ++it) {
    if (it->isFile()) on_disk[it.name()] = readConsoleSourceFile(it->path());
  }
  std::map<std::string, std::string> embedded;
  for (const auto& file : consoleFiles()) embedded[std::string(file.name)] = file.bytes;
  ASSERT_FALSE(on_disk.empty());
  EXPECT_EQ(embedded, on_disk) << "rebuild: CMake embeds web/console/";
  EXPECT_EQ(on_disk.count("index.html"), 1U);
}

TEST(ConsoleAssetsTest, ThePageNamesEachAssetByItsContentHash) {
  ConsoleAssets assets(kSampleConsole);
  const std::string js = assets.hashedName("app.js");
  EXPECT_NE(js, "app.js");
  EXPECT_EQ(js.substr(0, 4), "app.");
  EXPECT_EQ(js.size(), std::string("app.").size() + 12 + std::string(".js").size());
  auto page = assets.serve("", "");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->status, 200);
  EXPECT_NE(page->body.find("\"/console/" + js + "\""), std::string::npos) << page->body;
  EXPECT_NE(page->body.find("\"/console/" + assets.hashedName("style.css") + "\""),
            std::string::npos);
  // Only whole quoted paths are rewritten.
  EXPECT_NE(page->body.find("\"/console/app.jsx\""), std::string::npos);
  EXPECT_EQ(page->content_type, "text/html; charset=utf-8");
  EXPECT_EQ(header(*page, "Cache-Control"), "no-cache");

  // Other bytes, another name: a new build never reuses a cached asset.
  auto changed = kSampleConsole;
  changed[1].bytes = "console.log(2);";
  EXPECT_NE(ConsoleAssets(changed).hashedName("app.js"), js);
}

TEST(ConsoleAssetsTest, HashedNamesAreCachedForAYearPlainNamesRevalidate) {
  ConsoleAssets assets(kSampleConsole);
  auto hashed = assets.serve(assets.hashedName("app.js"), "");
  ASSERT_TRUE(hashed);
  EXPECT_EQ(hashed->body, "console.log(1);");
  EXPECT_EQ(hashed->content_type, "text/javascript; charset=utf-8");
  EXPECT_EQ(header(*hashed, "Cache-Control"), "public, max-age=31536000, immutable");
  auto plain = assets.serve("app.js", "");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->body, hashed->body);
  EXPECT_EQ(header(*plain, "Cache-Control"), "no-cache");
  EXPECT_EQ(header(*plain, "ETag"), header(*hashed, "ETag"));
  EXPECT_FALSE(assets.serve("missing.js", ""));
}

TEST(ConsoleAssetsTest, AMatchingIfNoneMatchGets304WithoutABody) {
  ConsoleAssets assets(kSampleConsole);
  auto first = assets.serve("style.css", "");
  ASSERT_TRUE(first);
  const std::string etag = header(*first, "ETag");
  ASSERT_EQ(etag.size(), 34U);  // 32 hex digits, quoted
  auto again = assets.serve("style.css", etag);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  EXPECT_EQ(header(*again, "ETag"), etag);
  auto listed = assets.serve("style.css", "\"other\", " + etag);
  EXPECT_EQ(listed->status, 304);
  auto stale = assets.serve("style.css", "\"0123\"");
  EXPECT_EQ(stale->status, 200);
  EXPECT_EQ(stale->body, "body{}");
  // The page's ETag follows its rewritten bytes.
  auto page = assets.serve("index.html", "");
  EXPECT_EQ(assets.serve("", header(*page, "ETag"))->status, 304);
}

TEST(ConsoleAssetsTest, EveryAnswerCarriesTheStrictPolicy) {
  ConsoleAssets assets(kSampleConsole);
  for (const std::string name : {"", "app.js", "style.css"}) {
    auto reply = assets.serve(name, "");
    ASSERT_TRUE(reply);
    const std::string csp = header(*reply, "Content-Security-Policy");
    EXPECT_EQ(csp, kConsoleContentSecurityPolicy);
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
    EXPECT_NE(csp.find("script-src 'self'"), std::string::npos);
    EXPECT_EQ(csp.find("unsafe"), std::string::npos);
    EXPECT_EQ(header(*reply, "X-Content-Type-Options"), "nosniff");
  }
}

TEST(ConsoleRoutesTest, ThePageIsAtTheRootAndUnderConsole) {
  Router router;
  addConsoleRoutes(router);
  for (const std::string path : {"/", "/console", "/console/", "/console/app.js"}) {
    auto match = router.match("GET", path);
    ASSERT_NE(match.route, nullptr) << path;
    EXPECT_TRUE(match.route->options.is_public) << path;
  }
  RequestContext ctx;
  ctx.request_id = "r1";
  auto match = router.match("GET", "/console/nope.js");
  ctx.path_params = match.params;
  Reply reply = match.route->handler(ctx);
  EXPECT_EQ(reply.status, 404);
  EXPECT_EQ(reply.error_code, common::ErrorCode::kNotFound);
  ctx.path_params = router.match("GET", "/console/index.html").params;
  EXPECT_EQ(router.match("GET", "/console/index.html").route->handler(ctx).status, 200);
}

}  // namespace
}  // namespace cc::http::handlers
