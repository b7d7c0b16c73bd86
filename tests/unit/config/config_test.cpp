#include "config/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "config/key_table.h"

namespace cc::config {
namespace {

class ConfigTest : public ::testing::Test {
 protected:
  std::string writeFile(const std::string& text) {
    path_ = ::testing::TempDir() + "cc_config_test_" + std::to_string(::getpid()) + ".properties";
    std::ofstream(path_) << text;
    return path_;
  }
  void TearDown() override {
    if (!path_.empty()) std::remove(path_.c_str());
  }
  std::string path_;
};

TEST_F(ConfigTest, DefaultsComeFromTheTable) {
  auto r = ConfigLoader::load("", {});
  ASSERT_TRUE(r.ok()) << r.problems.front();
  EXPECT_EQ(r.config->getString("http.address"), "127.0.0.1");
  EXPECT_EQ(r.config->getInt("http.port"), 8080);
  EXPECT_EQ(r.config->getInt("http.request_timeout_ms"), 10000);
  EXPECT_EQ(r.config->entries().at("http.port").source, "default");
}

TEST_F(ConfigTest, FileOverridesDefaultsAndDefineOverridesFile) {
  auto file = writeFile("# comment\nhttp.port = 9000\nlog.level = debug   # inline comment\n");
  auto r = ConfigLoader::load(file, {{"http.port", "9100"}});
  ASSERT_TRUE(r.ok()) << r.problems.front();
  EXPECT_EQ(r.config->getInt("http.port"), 9100);
  EXPECT_EQ(r.config->entries().at("http.port").source, "--define");
  EXPECT_EQ(r.config->getString("log.level"), "debug");
  EXPECT_EQ(r.config->entries().at("log.level").source, file);
}

TEST_F(ConfigTest, UnknownKeyIsAnErrorWithAHint) {
  auto file = writeFile("http.prot = 9000\n");
  auto r = ConfigLoader::load(file, {});
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find("unknown key 'http.prot'"), std::string::npos) << r.problems[0];
  EXPECT_NE(r.problems[0].find("did you mean 'http.port'"), std::string::npos) << r.problems[0];
}

TEST_F(ConfigTest, EveryBadValueIsReportedNamingItsKey) {
  auto r = ConfigLoader::load("", {{"http.port", "70000"},
                                   {"http.threads", "many"},
                                   {"log.format", "xml"},
                                   {"http.address", "not-an-ip"},
                                   {"log.access", "maybe"}});
  ASSERT_EQ(r.problems.size(), 5u);
  for (auto key : {"http.port", "http.threads", "log.format", "http.address", "log.access"}) {
    bool found = false;
    for (const auto& p : r.problems) found = found || p.rfind(key, 0) == 0;
    EXPECT_TRUE(found) << "no problem names " << key;
  }
}

TEST_F(ConfigTest, ReferencesToOtherKeysExpand) {
  auto r = ConfigLoader::load("", {{"daemon.state_dir", "/tmp/x"}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.config->getString("daemon.pidfile"), "/tmp/x/controlcenterd.pid");
  EXPECT_EQ(r.config->getString("admin.token_file"), "/tmp/x/admin.token");
}

// Found with tests/fuzz/config_fuzz (corpus: crash-expansion-blowup): eight keys of eight
// references each expanded to 8^8 copies, hanging the loader on a 1.5 KB file.
TEST_F(ConfigTest, ExponentialReferencesAreRefusedNotExpanded) {
  const char* keys[] = {"log.file",         "admin.socket",     "daemon.state_dir",
                        "daemon.pidfile",   "db.path",          "admin.token_file",
                        "system.proc_root", "ratelimit.exempt", "ratelimit.trusted_proxies"};
  std::string text;
  for (std::size_t i = 0; i + 1 < std::size(keys); ++i) {
    text += std::string(keys[i]) + " =";
    for (int k = 0; k < 8; ++k) text += " ${" + std::string(keys[i + 1]) + "}";
    text += "\n";
  }
  text += std::string(keys[std::size(keys) - 1]) + " = 10.0.0.0/8\n";
  auto r = ConfigLoader::load(writeFile(text), {});
  EXPECT_FALSE(r.ok());
  bool named = false;
  for (const auto& p : r.problems) {
    named = named || p.rfind("log.file: expands to more than 1000 references", 0) == 0;
  }
  EXPECT_TRUE(named) << "no problem names log.file";
  // A key whose expansion stays small is still expanded.
  std::string eight;
  for (int k = 0; k < 8; ++k) eight += (k > 0 ? " " : "") + std::string("10.0.0.0/8");
  EXPECT_EQ(r.config->getString("ratelimit.exempt"), eight);
}

TEST_F(ConfigTest, ASelfReferenceRepeatedIsRefused) {
  std::string value;
  for (int k = 0; k < 20; ++k) value += "${daemon.state_dir}";
  auto r = ConfigLoader::load("", {{"daemon.state_dir", value}});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.config->getString("daemon.state_dir"), value) << "kept unexpanded";
}

TEST_F(ConfigTest, ALongLiteralValueIsNotTreatedAsAnExpansion) {
  std::string list = "/a";
  while (list.size() < 100 * 1024) list += ", /health/" + std::to_string(list.size());
  auto r = ConfigLoader::load("", {{"ratelimit.exempt", list + ", ${daemon.state_dir}"}});
  EXPECT_TRUE(r.ok()) << r.problems.front();
  EXPECT_EQ(r.config->getString("ratelimit.exempt"), list + ", /var/lib/controlcenter");
}

TEST_F(ConfigTest, ALongUnknownKeyGetsNoHint) {
  EXPECT_EQ(suggestKey("http.prot"), std::optional<std::string>("http.port"));
  EXPECT_EQ(suggestKey("log.levle"), std::optional<std::string>("log.level"));
  EXPECT_EQ(suggestKey(std::string(100000, 'x')), std::nullopt);
  EXPECT_EQ(suggestKey("http.port" + std::string(3, 'x')), std::optional<std::string>("http.port"));
}

TEST_F(ConfigTest, UnreadableFileIsNamed) {
  auto r = ConfigLoader::load("/nonexistent/cc.properties", {});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.problems[0].find("/nonexistent/cc.properties"), std::string::npos);
}

TEST_F(ConfigTest, MalformedLineNamesFileAndLine) {
  auto file = writeFile("http.port = 1\njust words\n");
  auto r = ConfigLoader::load(file, {});
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_NE(r.problems[0].find(file + ":2:"), std::string::npos) << r.problems[0];
}

TEST_F(ConfigTest, DiffMarksReloadableKeys) {
  auto a = ConfigLoader::load("", {});
  auto b = ConfigLoader::load("", {{"log.level", "debug"}, {"http.port", "1"}});
  auto changes = diff(*a.config, *b.config);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].key, "http.port");
  EXPECT_FALSE(changes[0].reloadable);
  EXPECT_EQ(changes[1].key, "log.level");
  EXPECT_TRUE(changes[1].reloadable);
}

TEST_F(ConfigTest, DefineNeedsAnEqualsSign) {
  std::pair<std::string, std::string> kv;
  EXPECT_FALSE(ConfigLoader::splitDefine("http.port", kv));
  ASSERT_TRUE(ConfigLoader::splitDefine(" http.port = 9 ", kv));
  EXPECT_EQ(kv.first, "http.port");
  EXPECT_EQ(kv.second, "9");
}

TEST(KeyTableTest, EveryDefaultPassesItsOwnValidator) {
  for (const auto& spec : keyTable()) {
    if (spec.default_value.find("${") != std::string::npos) continue;
    if (spec.name.find('*') != std::string::npos) continue;
    EXPECT_EQ(checkValue(spec, spec.default_value), std::nullopt) << spec.name;
  }
}

TEST(KeyTableTest, CorsOriginsMustBeOriginsOrAStarAlone) {
  const KeySpec* spec = findKey("http.cors.allowed_origins");
  ASSERT_NE(spec, nullptr);
  EXPECT_TRUE(spec->reloadable);
  for (const char* good : {"", "*", "https://dash.example.com", "http://localhost:3000",
                           "https://a.example, http://b.example:8443", "http://[::1]:8080",
                           "app+x://host-1.internal"}) {
    EXPECT_EQ(checkValue(*spec, good), std::nullopt) << good;
  }
  for (const char* bad :
       {"dash.example.com", "https://dash.example.com/", "https://dash.example.com/app",
        "https://user@host", "https://host:0", "https://host:99999", "https://host:", "https://",
        "://host", "https://a.example, *", "1http://host", "https://ho st"}) {
    auto problem = checkValue(*spec, bad);
    ASSERT_TRUE(problem.has_value()) << bad;
  }
  EXPECT_NE(checkValue(*spec, "https://a.example/")->find("'https://a.example/'"),
            std::string::npos)
      << "the message names the item at fault";
}

TEST(KeyTableTest, ReferenceConfigDocumentsEveryKeyWithItsDefault) {
  std::ifstream in(std::string(CC_TEST_FIXTURES) + "/../../../etc/controlcenterd.properties");
  ASSERT_TRUE(in) << "etc/controlcenterd.properties not found";
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& spec : keyTable()) {
    if (spec.name.find('*') != std::string::npos) continue;
    EXPECT_NE(text.find("\n" + spec.name + " ="), std::string::npos)
        << spec.name << " is not documented in etc/controlcenterd.properties";
  }
}

}  // namespace
}  // namespace cc::config

namespace cc::config {
namespace {

TEST(KeyTableTest, ConfigurationDocListsEveryKeyWithItsReloadability) {
  std::ifstream in(std::string(CC_TEST_FIXTURES) + "/../../../docs/configuration.md");
  ASSERT_TRUE(in) << "docs/configuration.md not found";
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const auto& spec : keyTable()) {
    if (spec.name.find('*') != std::string::npos) continue;
    std::size_t row = text.find("| `" + spec.name + "` |");
    ASSERT_NE(row, std::string::npos) << spec.name << " is missing from docs/configuration.md";
    std::string line = text.substr(row, text.find('\n', row) - row);
    std::string reload = spec.reloadable ? "| yes |" : "| no |";
    EXPECT_NE(line.find(reload), std::string::npos)
        << spec.name << ": reloadability in docs/configuration.md disagrees with the key table";
  }
}

const ShownEntry& shownEntry(const std::vector<ShownEntry>& entries, const std::string& key) {
  static const ShownEntry kMissing{};
  for (const auto& entry : entries) {
    if (entry.key == key) return entry;
  }
  ADD_FAILURE() << "no shown entry " << key;
  return kMissing;
}

TEST_F(ConfigTest, ShownEntriesNameTheFileLineTheDefineOrTheDefault) {
  auto file = writeFile("# comment\n\nlog.level = debug\nhttp.port = 9000\n");
  auto r = ConfigLoader::load(file, {{"http.port", "9100"}});
  ASSERT_TRUE(r.ok()) << r.problems.front();
  auto shown = shownEntries(*r.config);
  EXPECT_EQ(shown.size(), r.config->entries().size());
  EXPECT_EQ(shownEntry(shown, "log.level").value, "debug");
  EXPECT_EQ(shownEntry(shown, "log.level").source, file + ":3");
  EXPECT_TRUE(shownEntry(shown, "log.level").reloadable);
  EXPECT_EQ(shownEntry(shown, "http.port").value, "9100");
  EXPECT_EQ(shownEntry(shown, "http.port").source, "--define");
  EXPECT_FALSE(shownEntry(shown, "http.port").reloadable);
  EXPECT_EQ(shownEntry(shown, "http.address").source, "default");
  EXPECT_FALSE(shownEntry(shown, "http.address").redacted);
  // ${daemon.state_dir} is expanded: the value the daemon uses.
  EXPECT_EQ(shownEntry(shown, "admin.token_file").value,
            r.config->getString("daemon.state_dir") + "/admin.token");
}

TEST_F(ConfigTest, AReloadShowsTheNewValueAndWhereItCameFrom) {
  auto before = ConfigLoader::load(writeFile("http.port = 9000\n"), {});
  ASSERT_TRUE(before.ok()) << before.problems.front();
  // The reloadable log.level moves from the default into the file with its default value; the
  // non-reloadable http.port changes but keeps its running value and source.
  auto after = ConfigLoader::load(writeFile("http.port = 9001\nlog.level = info\n"), {});
  ASSERT_TRUE(after.ok()) << after.problems.front();
  auto merged = ConfigLoader::withReloadable(*before.config, *after.config);
  auto shown = shownEntries(*merged);
  EXPECT_EQ(shownEntry(shown, "log.level").source, path_ + ":2");
  EXPECT_EQ(shownEntry(shown, "http.port").value, "9000");
  EXPECT_EQ(shownEntry(shown, "http.port").source, path_ + ":1");
}

TEST_F(ConfigTest, SecretLookingKeysAreRedactedAndOthersAreNot) {
  for (auto key : {"db.password", "auth.secret", "metrics.token", "metrics.api_key",
                   "metrics.scrape_key", "smtp.admin_password", "hook.bearer_token"}) {
    EXPECT_TRUE(isSecretKey(key)) << key;
    EXPECT_EQ(shownValue(key, "hunter2"), kRedacted) << key;
  }
  // A path to a secret, a token's lifetime and a rate-limit rule's key kind are not secrets.
  for (auto key : {"admin.token_file", "auth.token_ttl_s", "auth.token_cache_size",
                   "ratelimit.rule.login.key", "ratelimit.max_keys", "http.port"}) {
    EXPECT_FALSE(isSecretKey(key)) << key;
    EXPECT_EQ(shownValue(key, "v"), "v") << key;
  }
  // Every table key marked secret is redacted in the view, whatever its name.
  for (const auto& spec : keyTable()) {
    if (spec.secret) {
      EXPECT_TRUE(isSecretKey(spec.name)) << spec.name;
    }
  }
}

}  // namespace
}  // namespace cc::config
