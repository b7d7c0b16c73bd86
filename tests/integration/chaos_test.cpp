#include <errno.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/api_calls.h"
#include "support/daemon_process.h"

// Storage faults under a running daemon, on real mounts: the database directory is a small
// tmpfs that the tests fill up, cover with a read-only view, or cover with a file that is not a
// database. Needs root (CAP_SYS_ADMIN); skipped otherwise. scripts/chaos.sh repeats this suite.

namespace cc::testing {
namespace {

using Clock = std::chrono::steady_clock;

class ChaosTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_dir_ = dir_.path() + "/db";
    ::mkdir(db_dir_.c_str(), 0755);
    // Room for the database and a WAL at its largest between automatic checkpoints (1,000
    // pages, 4 MiB): with less, writes of the read-only test filled the volume and met
    // SQLITE_FULL instead of the fault under test. DiskFull fills whatever is there.
    if (::mount("tmpfs", db_dir_.c_str(), "tmpfs", 0, "size=16m") != 0) {
      int err = errno;
      GTEST_SKIP() << "cannot mount a tmpfs on " << db_dir_ << " (" << std::strerror(err)
                   << "): the chaos tests need root or CAP_SYS_ADMIN";
    }
    mounts_.push_back(db_dir_);
  }

  // The daemon first (it holds files on the mounts), then every mount, newest first.
  void TearDown() override {
    daemon_.reset();
    while (!mounts_.empty()) unmount();
  }

  void unmount() {
    ASSERT_FALSE(mounts_.empty());
    const std::string path = mounts_.back();
    mounts_.pop_back();
    // Lazily when busy: the daemon may still hold sessions opened through the mount.
    if (::umount2(path.c_str(), 0) != 0) {
      ASSERT_EQ(::umount2(path.c_str(), MNT_DETACH), 0) << path << ": " << std::strerror(errno);
    }
  }

  std::string dbPath() const { return db_dir_ + "/controlcenter.db"; }

  // Small breaker timings so that each test opens and recovers it within seconds; sessions
  // live one second, since Linux will not turn files already open for writing read-only (see
  // ReadOnlyDatabase), so a fault on the path reaches the daemon through the sessions it opens.
  void startDaemon(std::vector<std::string> extra = {}) {
    std::vector<std::string> args{"-D", "ratelimit.enabled=false",
                                  "-D", "db.path=" + dbPath(),
                                  "-D", "breaker.db.failure_threshold=3",
                                  "-D", "breaker.db.open_ms=300",
                                  "-D", "db.pool.min=1"};
    args.insert(args.end(), extra.begin(), extra.end());
    daemon_ = std::make_unique<DaemonProcess>(args, dir_.path() + "/state");
    daemon_->setEnv("CONTROLCENTER_ADMIN_PASSWORD", kAdminPassword);
    ASSERT_TRUE(daemon_->start()) << daemon_->log();
    token_ = loginToken(*daemon_, "admin", kAdminPassword);
    ASSERT_FALSE(token_.empty());
  }

  HttpResult createAgent() {
    std::string name = "agent-" + std::to_string(next_agent_++);
    auto r = daemon_->request("POST", "/api/agents",
                              R"({"name":")" + name + R"(","level":"L1","role":"worker"})",
                              jsonHeaders(token_));
    if (r.status == 201) acknowledged_.insert(jsonField(r.body, "id"));
    return r;
  }

  std::string breakerState() {
    auto r = daemon_->admin("GET", "/admin/breakers");
    return jsonField(jsonArrayItem(r.body, "breakers", "name", "db"), "state");
  }

  // Sends `request` every 50 ms until `done` says so or 10 s pass; whether `done` was met.
  template <class Request, class Done>
  static bool keepTrying(Request request, Done done) {
    for (auto until = Clock::now() + std::chrono::seconds(10); Clock::now() < until;
         std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
      if (done(request())) return true;
    }
    return false;
  }

  // Every acknowledged write is there, and SQLite finds the file sound after a clean stop.
  void expectAcknowledgedWritesAndIntegrity() {
    auto list = daemon_->get("/api/agents?limit=500", jsonHeaders(token_));
    ASSERT_EQ(list.status, 200) << list.body;
    EXPECT_EQ(jsonField(list.body, "total"), std::to_string(acknowledged_.size())) << list.body;
    for (const auto& id : acknowledged_) {
      EXPECT_FALSE(jsonArrayItem(list.body, "items", "id", id).empty()) << "agent " << id;
    }
    daemon_->signal(SIGTERM);
    EXPECT_EQ(daemon_->waitExit(std::chrono::seconds(15)), 0) << daemon_->log();
    auto check = runProgram({"/usr/bin/sqlite3", dbPath(), "PRAGMA integrity_check;"});
    EXPECT_EQ(check.exit_code, 0) << check.err;
    EXPECT_EQ(check.out, "ok\n") << check.err;
  }

  void expectStoreFailingAndNotReady() {
    EXPECT_EQ(breakerState(), "open");
    auto ready = daemon_->get("/health/ready");
    EXPECT_EQ(ready.status, 503) << ready.body;
    EXPECT_EQ(jsonField(ready.body, "checks.store.status"), "fail") << ready.body;
    EXPECT_EQ(daemon_->get("/health/live").status, 200);
    auto start = Clock::now();
    auto refused = daemon_->get("/api/agents", jsonHeaders(token_));
    EXPECT_EQ(refused.status, 503) << refused.body;
    EXPECT_EQ(jsonField(refused.body, "error.code"), "dependency_unavailable");
    EXPECT_GE(std::stoi("0" + refused.header("Retry-After")), 1);
    EXPECT_LT(Clock::now() - start, std::chrono::seconds(2)) << "answered by the breaker";
    EXPECT_NE(
        daemon_->admin("GET", "/metrics").body.find("controlcenter_breaker_state{name=\"db\"} 2"),
        std::string::npos);
  }

  // The breaker probes (with a write) every open_ms; once the store writes again it closes.
  void expectRecovery() {
    EXPECT_TRUE(keepTrying([&] { return createAgent(); },
                           [](const HttpResult& r) { return r.status == 201; }))
        << "writes did not recover\n"
        << daemon_->log();
    EXPECT_EQ(breakerState(), "closed");
    EXPECT_EQ(daemon_->get("/health/ready").status, 200);
    EXPECT_EQ(createAgent().status, 201);
    EXPECT_EQ(daemon_->get("/api/agents", jsonHeaders(token_)).status, 200);
  }

  TempDir dir_;
  std::string db_dir_;
  std::vector<std::string> mounts_;
  std::unique_ptr<DaemonProcess> daemon_;
  std::string token_;
  int next_agent_ = 0;
  std::set<std::string> acknowledged_;
};

// Writes ENOSPC-sized chunks into `path` until the file system is full; the bytes written.
int64_t fillUp(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return -1;
  std::vector<char> chunk(4096, 'x');
  int64_t total = 0;
  for (;;) {
    ssize_t n = ::write(fd, chunk.data(), chunk.size());
    if (n <= 0) break;
    total += n;
  }
  ::close(fd);
  return total;
}

TEST_F(ChaosTest, DiskFull) {
  startDaemon();
  for (int i = 0; i < 5; ++i) ASSERT_EQ(createAgent().status, 201);
  const std::string kept = *acknowledged_.begin();

  const std::string filler = db_dir_ + "/filler";
  ASSERT_GT(fillUp(filler), 0);
  for (int i = 0; i < 5; ++i) {  // more than breaker.db.failure_threshold
    auto r = createAgent();
    ASSERT_EQ(r.status, 507) << r.body;
    EXPECT_EQ(jsonField(r.body, "error.code"), "insufficient_storage");
    EXPECT_EQ(jsonField(r.body, "error.status"), "507");
    EXPECT_FALSE(jsonField(r.body, "error.request_id").empty());
    EXPECT_GE(std::stoi("0" + r.header("Retry-After")), 1);
  }
  // Reads keep working: the breaker stays closed, the daemon stays ready and says why it warns.
  auto one = daemon_->get("/api/agents/" + kept, jsonHeaders(token_));
  EXPECT_EQ(one.status, 200) << one.body;
  auto list = daemon_->get("/api/agents", jsonHeaders(token_));
  EXPECT_EQ(list.status, 200) << list.body;
  EXPECT_EQ(jsonField(list.body, "total"), "5");
  EXPECT_EQ(breakerState(), "closed");
  EXPECT_EQ(daemon_->get("/health/ready").status, 200);
  auto health = daemon_->get("/health");
  EXPECT_EQ(health.status, 200) << health.body;
  EXPECT_EQ(jsonField(health.body, "checks.store.status"), "warn") << health.body;
  EXPECT_NE(jsonField(health.body, "checks.store.output").find("disk full"), std::string::npos);
  std::string metrics = daemon_->admin("GET", "/metrics").body;
  EXPECT_NE(metrics.find("\ncontrolcenter_db_storage_full 1"), std::string::npos);
  EXPECT_NE(metrics.find("\ncontrolcenter_db_storage_full_errors_total 5"), std::string::npos);

  ASSERT_EQ(::unlink(filler.c_str()), 0);
  EXPECT_EQ(createAgent().status, 201) << "writes recover as soon as space returns";
  EXPECT_EQ(jsonField(daemon_->get("/health").body, "checks.store.status"), "pass");
  EXPECT_NE(daemon_->admin("GET", "/metrics").body.find("\ncontrolcenter_db_storage_full 0"),
            std::string::npos);
  EXPECT_EQ(acknowledged_.size(), 6u);
  expectAcknowledgedWritesAndIntegrity();
}

// `mount -o remount,ro` of a file system with files open for writing fails with EBUSY (only
// the kernel's own emergency remount after I/O errors forces it), so the database directory is
// covered by a read-only bind mount of itself: sessions opened from then on are read-only, as
// after a remount, while the ones already open drain within db.pool.max_lifetime_s.
TEST_F(ChaosTest, ReadOnlyDatabase) {
  startDaemon({"-D", "db.pool.max_lifetime_s=1"});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(createAgent().status, 201);

  ASSERT_EQ(::mount(db_dir_.c_str(), db_dir_.c_str(), nullptr, MS_BIND, nullptr), 0)
      << std::strerror(errno);
  mounts_.push_back(db_dir_);
  ASSERT_EQ(::mount(nullptr, db_dir_.c_str(), nullptr, MS_REMOUNT | MS_BIND | MS_RDONLY, nullptr),
            0)
      << std::strerror(errno);

  // Writes on sessions opened before the fault may still succeed (and count as acknowledged)
  // until those sessions age out; then every write fails and the breaker opens.
  ASSERT_TRUE(keepTrying([&] { return createAgent(); },
                         [](const HttpResult& r) {
                           return r.status == 503 &&
                                  r.body.find("circuit breaker") != std::string::npos;
                         }))
      << daemon_->log();
  expectStoreFailingAndNotReady();

  // Half-open probes keep failing on the read-only file, even when the probing request is a
  // read that would succeed: the breaker stays open.
  auto until = Clock::now() + std::chrono::milliseconds(1200);
  while (Clock::now() < until) {
    auto r = daemon_->get("/api/agents", jsonHeaders(token_));
    EXPECT_EQ(r.status, 503) << r.body;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto breakers =
      jsonArrayItem(daemon_->admin("GET", "/admin/breakers").body, "breakers", "name", "db");
  EXPECT_GE(std::stoi("0" + jsonField(breakers, "half_opened_total")), 2) << breakers;
  EXPECT_EQ(jsonField(breakers, "closed_total"), "0") << breakers;
  EXPECT_EQ(breakerState(), "open");

  unmount();
  expectRecovery();
  expectAcknowledgedWritesAndIntegrity();
}

// Root reads any file whatever its mode, so "unreadable" here is what a botched restore leaves:
// something that is not a database at the database's path (a file system mounted over the
// directory, holding garbage under the database's name).
TEST_F(ChaosTest, UnreadableDatabase) {
  startDaemon({"-D", "db.pool.max_lifetime_s=1"});
  for (int i = 0; i < 3; ++i) ASSERT_EQ(createAgent().status, 201);

  ASSERT_EQ(::mount("tmpfs", db_dir_.c_str(), "tmpfs", 0, "size=1m"), 0) << std::strerror(errno);
  mounts_.push_back(db_dir_);
  {
    std::ofstream garbage(dbPath(), std::ios::binary);
    for (int i = 0; i < 512; ++i) garbage << "this is not an SQLite database\n";
  }

  ASSERT_TRUE(keepTrying([&] { return daemon_->get("/api/agents", jsonHeaders(token_)); },
                         [](const HttpResult& r) {
                           return r.status == 503 &&
                                  r.body.find("circuit breaker") != std::string::npos;
                         }))
      << daemon_->log();
  expectStoreFailingAndNotReady();
  EXPECT_NE(daemon_->log().find("circuit breaker 'db': closed -> open"), std::string::npos);

  unmount();
  expectRecovery();
  expectAcknowledgedWritesAndIntegrity();
}

}  // namespace
}  // namespace cc::testing
