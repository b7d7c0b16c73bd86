// The /api/system/* routes on the real daemon, checked against /proc and statvfs read here.

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/daemon_process.h"

namespace cc::testing {
namespace {

using Poco::JSON::Array;
using Poco::JSON::Object;

Object::Ptr parseObject(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Object::Ptr>();
}

uint64_t memTotalBytes() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  uint64_t kib = 0;
  std::string unit;
  while (in >> key >> kib >> unit) {
    if (key == "MemTotal:") return kib * 1024;
  }
  return 0;
}

int cpuLinesInProcStat() {
  std::ifstream in("/proc/stat");
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    if (line.size() > 3 && line.compare(0, 3, "cpu") == 0 && std::isdigit(line[3])) ++n;
  }
  return n;
}

class SystemApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    daemon_ = new DaemonProcess({"-D", "ratelimit.enabled=false", "-D", "log.access=off", "-D",
                                 "system.sample_interval_ms=200"});
    ASSERT_TRUE(daemon_->start()) << daemon_->log();
    auto minted = daemon_->admin("POST", "/admin/tokens", R"({"role":"viewer"})");
    ASSERT_EQ(minted.status, 201) << minted.body;
    token_ = jsonField(minted.body, "token");
    // The first sample takes a moment (until then the routes answer 503), and rates such as
    // the per-core CPU need a second one.
    auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < until) {
      auto r = daemon_->get("/api/system/stats", auth());
      if (r.status == 200 && r.body.find("\"per_core\":[]") == std::string::npos) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
  }

  static std::map<std::string, std::string> auth() {
    return {{"Authorization", "Bearer " + token_}};
  }

  // A 200 answer's body as an object, with sampled_at checked on the way.
  static Object::Ptr getOk(const std::string& path) {
    auto r = daemon_->get(path, auth());
    EXPECT_EQ(r.status, 200) << path << ": " << r.body;
    if (r.status != 200) return new Object;
    auto o = parseObject(r.body);
    EXPECT_TRUE(o->has("sampled_at")) << path;
    EXPECT_FALSE(o->getValue<std::string>("sampled_at").empty()) << path;
    return o;
  }

  static Array::Ptr processes(const std::string& query, int* total = nullptr) {
    auto o = getOk("/api/system/processes" + query);
    if (total != nullptr) *total = o->has("total") ? o->getValue<int>("total") : -1;
    auto list = o->getArray("processes");
    return list ? list : Array::Ptr(new Array);
  }

  static DaemonProcess* daemon_;
  static std::string token_;
};

DaemonProcess* SystemApiTest::daemon_ = nullptr;
std::string SystemApiTest::token_;

TEST_F(SystemApiTest, EveryRouteNeedsABearerToken) {
  for (const char* path : {"/api/system/info", "/api/system/stats", "/api/system/disk",
                           "/api/system/network", "/api/system/processes"}) {
    auto none = daemon_->get(path);
    EXPECT_EQ(none.status, 401) << path;
    EXPECT_EQ(jsonField(none.body, "error.code"), "unauthorized") << path;
    auto wrong = daemon_->get(path, {{"Authorization", "Bearer " + std::string(64, 'f')}});
    EXPECT_EQ(wrong.status, 401) << path;
  }
}

TEST_F(SystemApiTest, InfoAgreesWithProcStat) {
  auto o = getOk("/api/system/info");
  EXPECT_EQ(o->getValue<int>("cpu_count"), cpuLinesInProcStat());
  EXPECT_EQ(o->getValue<uint64_t>("memory_total_bytes"), memTotalBytes());
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  EXPECT_EQ(o->getValue<std::string>("hostname"), host);
  EXPECT_FALSE(o->getValue<std::string>("kernel").empty());
}

TEST_F(SystemApiTest, StatsAgreeWithProcMeminfo) {
  auto o = getOk("/api/system/stats");
  auto memory = o->getObject("memory");
  ASSERT_TRUE(memory);
  EXPECT_EQ(memory->getValue<uint64_t>("total_bytes"), memTotalBytes());
  EXPECT_LE(memory->getValue<uint64_t>("used_bytes"), memory->getValue<uint64_t>("total_bytes"));
  auto cpu = o->getObject("cpu");
  ASSERT_TRUE(cpu);
  ASSERT_TRUE(cpu->getArray("per_core"));
  EXPECT_EQ(static_cast<int>(cpu->getArray("per_core")->size()), cpuLinesInProcStat());
  ASSERT_TRUE(o->getArray("load"));
  EXPECT_EQ(o->getArray("load")->size(), 3u);
  EXPECT_TRUE(o->getObject("swap"));
}

TEST_F(SystemApiTest, RootFilesystemAgreesWithStatvfs) {
  auto o = getOk("/api/system/disk");
  auto filesystems = o->getArray("filesystems");
  ASSERT_TRUE(filesystems);
  struct statvfs vfs {};
  ASSERT_EQ(::statvfs("/", &vfs), 0);
  const uint64_t expected = static_cast<uint64_t>(vfs.f_blocks) * vfs.f_frsize;
  bool found = false;
  for (std::size_t i = 0; i < filesystems->size(); ++i) {
    auto fs = filesystems->getObject(static_cast<unsigned>(i));
    if (fs->getValue<std::string>("mount") != "/") continue;
    found = true;
    EXPECT_EQ(fs->getValue<uint64_t>("total_bytes"), expected);
    EXPECT_LE(fs->getValue<uint64_t>("used_bytes"), expected);
    EXPECT_FALSE(fs->getValue<std::string>("fstype").empty());
  }
  EXPECT_TRUE(found) << "no filesystem mounted at /";
}

TEST_F(SystemApiTest, LoopbackInterfaceIsUp) {
  auto o = getOk("/api/system/network");
  auto interfaces = o->getArray("interfaces");
  ASSERT_TRUE(interfaces);
  bool found = false;
  for (std::size_t i = 0; i < interfaces->size(); ++i) {
    auto n = interfaces->getObject(static_cast<unsigned>(i));
    if (n->getValue<std::string>("name") != "lo") continue;
    found = true;
    EXPECT_TRUE(n->getValue<bool>("up"));
  }
  EXPECT_TRUE(found) << "no interface lo";
  auto connections = o->getObject("connections");
  ASSERT_TRUE(connections);
  EXPECT_TRUE(connections->getObject("tcp"));
}

TEST_F(SystemApiTest, ProcessListHasTheDaemonAsOurChild) {
  auto list = processes("?limit=1000&sort=pid&order=asc");
  bool found = false;
  for (std::size_t i = 0; i < list->size(); ++i) {
    auto p = list->getObject(static_cast<unsigned>(i));
    if (p->getValue<int>("pid") != daemon_->pid()) continue;
    found = true;
    EXPECT_EQ(p->getValue<std::string>("name"), "controlcenterd");
    EXPECT_EQ(p->getValue<int>("ppid"), ::getpid());
    EXPECT_GE(p->getValue<int>("threads"), 2);
    EXPECT_GT(p->getValue<uint64_t>("rss_bytes"), 0u);
  }
  EXPECT_TRUE(found) << "daemon pid " << daemon_->pid() << " not listed";
}

TEST_F(SystemApiTest, LimitSortOrderAndSearchApply) {
  int total = 0;
  auto three = processes("?limit=3", &total);
  EXPECT_EQ(three->size(), 3u);
  EXPECT_GE(total, 3);

  auto ascending = processes("?sort=pid&order=asc&limit=50");
  ASSERT_GE(ascending->size(), 2u);
  for (std::size_t i = 1; i < ascending->size(); ++i) {
    EXPECT_LT(ascending->getObject(static_cast<unsigned>(i - 1))->getValue<int>("pid"),
              ascending->getObject(static_cast<unsigned>(i))->getValue<int>("pid"));
  }
  auto descending = processes("?sort=pid&order=desc&limit=50");
  ASSERT_GE(descending->size(), 2u);
  EXPECT_GT(descending->getObject(0)->getValue<int>("pid"),
            descending->getObject(1)->getValue<int>("pid"));

  int matches = 0;
  auto found = processes("?q=controlcenterd&limit=1000", &matches);
  bool daemon_listed = false;
  for (std::size_t i = 0; i < found->size(); ++i) {
    daemon_listed =
        daemon_listed ||
        found->getObject(static_cast<unsigned>(i))->getValue<int>("pid") == daemon_->pid();
  }
  EXPECT_TRUE(daemon_listed);
  EXPECT_EQ(matches, static_cast<int>(found->size()));
  EXPECT_LT(matches, total) << "q must filter";
}

TEST_F(SystemApiTest, UserFilterKeepsOnlyThatUsersProcesses) {
  auto mine = processes("?q=controlcenterd&limit=1000");
  ASSERT_GE(mine->size(), 1u);
  std::string user = mine->getObject(0)->getValue<std::string>("user");
  ASSERT_FALSE(user.empty());
  auto list = processes("?user=" + user + "&limit=1000");
  ASSERT_GE(list->size(), 1u);
  for (std::size_t i = 0; i < list->size(); ++i) {
    EXPECT_EQ(list->getObject(static_cast<unsigned>(i))->getValue<std::string>("user"), user);
  }
  int none = -1;
  EXPECT_EQ(processes("?user=no-such-user-here", &none)->size(), 0u);
  EXPECT_EQ(none, 0);
}

TEST_F(SystemApiTest, BadQueryParametersGet400NamingTheField) {
  const std::pair<const char*, const char*> cases[] = {
      {"?sort=colour", "sort"}, {"?order=sideways", "order"}, {"?limit=0", "limit"},
      {"?limit=1001", "limit"}, {"?limit=abc", "limit"},
  };
  for (const auto& [query, field] : cases) {
    auto r = daemon_->get(std::string("/api/system/processes") + query, auth());
    EXPECT_EQ(r.status, 400) << query;
    EXPECT_EQ(jsonField(r.body, "error.code"), "validation_failed") << query;
    EXPECT_EQ(jsonField(r.body, "error.field"), field) << query << ": " << r.body;
  }
  EXPECT_EQ(daemon_->get("/api/system/processes?limit=1000", auth()).status, 200);
  EXPECT_EQ(daemon_->get("/api/system/processes?limit=1", auth()).status, 200);
}

}  // namespace
}  // namespace cc::testing

namespace cc::testing {
namespace {

// Ready must mean every view has its data: the CPU figures are deltas of two rounds, so the
// first answers after start used to say "percent":null until a whole interval had passed (a
// long one here, so that the test does not depend on how fast it gets to ask).
TEST(SystemApiReadinessTest, ReadyMeansTheCpuFiguresAreThere) {
  DaemonProcess d({"-D", "log.access=off", "-D", "system.sample_interval_ms=60000"});
  ASSERT_TRUE(d.start()) << d.log();
  ASSERT_EQ(d.get("/health/ready").status, 200);
  auto minted = d.admin("POST", "/admin/tokens", R"({"role":"viewer"})");
  ASSERT_EQ(minted.status, 201) << minted.body;
  auto r =
      d.get("/api/system/stats", {{"Authorization", "Bearer " + jsonField(minted.body, "token")}});
  ASSERT_EQ(r.status, 200) << r.body;
  auto cpu = parseObject(r.body)->getObject("cpu");
  ASSERT_TRUE(cpu);
  EXPECT_FALSE(cpu->isNull("percent")) << r.body;
  EXPECT_GT(cpu->getArray("per_core")->size(), 0u) << r.body;
}

}  // namespace
}  // namespace cc::testing
