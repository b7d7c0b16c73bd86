#include "system/system_sampler.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>

namespace cc::system {
namespace {

// A probe whose counters grow by fixed steps each round; it can advance the fake clock to
// simulate a slow round, fail a section, or throw.
class ScriptedProbe final : public HostProbe {
 public:
  explicit ScriptedProbe(common::FakeClock* clock) : clock_(clock) {}

  RawSample sample() override {
    int n = calls_++;
    if (throw_next_.exchange(false)) throw std::runtime_error("probe blew up");
    if (clock_ != nullptr && round_cost_.count() > 0) clock_->advance(round_cost_);
    RawSample s;
    s.host = HostInfo{"box", "Test OS", "6.1", "x86_64", "CPU", 2, 1000, 1700000000000};
    CpuTimes t;
    t.user = 100u * static_cast<uint64_t>(n);
    t.idle = 300u * static_cast<uint64_t>(n);
    s.cpu_total = t;
    s.cpu_cores = {t, t};
    s.memory = MemoryUsage{1000, 250, 750, 75.0};
    s.load = LoadAverage{1.5, 1.0, 0.5};
    s.uptime_s = 42.0;
    Filesystem f;
    f.mount = "/";
    f.device = "/dev/sda1";
    f.fstype = "ext4";
    f.total_bytes = 100;
    f.used_bytes = 40;
    f.free_bytes = 60;
    f.percent = 40;
    f.read_bytes = 1000u * static_cast<uint64_t>(n);
    f.write_bytes = 0;
    s.filesystems.push_back(f);
    for (const char* name : {"lo", "eth0"}) {
      NetInterface i;
      i.name = name;
      i.rx_bytes = 500u * static_cast<uint64_t>(n);
      i.tx_bytes = 100u * static_cast<uint64_t>(n);
      i.up = true;
      i.mtu = 1500;
      i.addresses = {"10.0.0.2/24"};
      s.interfaces.push_back(i);
    }
    s.connections.tcp = {{"ESTABLISHED", 3}, {"LISTEN", 2}};
    if (!failing_section_.empty()) s.errors[failing_section_] = "cannot read";
    return s;
  }

  std::atomic<int> calls_{0};
  std::atomic<bool> throw_next_{false};
  std::chrono::nanoseconds round_cost_{0};
  std::string failing_section_;

 private:
  common::FakeClock* clock_;
};

class SystemSamplerTest : public ::testing::Test {
 protected:
  SystemSamplerTest() {
    auto probe = std::make_unique<ScriptedProbe>(&clock_);
    probe_ = probe.get();
    sampler_ = std::make_unique<SystemSampler>(std::move(probe), clock_, common::Millis(1000));
  }
  static Poco::JSON::Object::Ptr parse(const std::string& json) {
    return Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
  }

  common::FakeClock clock_;
  ScriptedProbe* probe_;
  std::unique_ptr<SystemSampler> sampler_;
};

TEST_F(SystemSamplerTest, NoSnapshotBeforeTheFirstRound) {
  EXPECT_EQ(sampler_->snapshot(), nullptr);
  SamplerHealth h = sampler_->health(clock_.now());
  EXPECT_EQ(h.status, SamplerHealth::Status::kWarn);
  EXPECT_EQ(h.message, "no snapshot yet");
  EXPECT_EQ(h.rounds, 0u);
}

TEST_F(SystemSamplerTest, PublishesNewSnapshotsWhileOldOnesStayValid) {
  sampler_->sampleOnce();
  auto first = sampler_->snapshot();
  ASSERT_NE(first, nullptr);
  EXPECT_FALSE(first->cpu_percent.has_value());
  clock_.advance(std::chrono::seconds(2));
  sampler_->sampleOnce();
  auto second = sampler_->snapshot();
  ASSERT_NE(second, first);
  EXPECT_FALSE(first->cpu_percent.has_value());  // the reader's copy did not change
  EXPECT_DOUBLE_EQ(second->cpu_percent.value(), 25.0);
  EXPECT_EQ(second->cpu_per_core, (std::vector<double>{25.0, 25.0}));
  EXPECT_DOUBLE_EQ(second->filesystems[0].read_bytes_per_s.value(), 500.0);
  EXPECT_DOUBLE_EQ(second->interfaces[1].rx_bytes_per_s.value(), 250.0);
  EXPECT_EQ(second->sampled_at_ms, clock_.wallMillis());
  SamplerHealth h = sampler_->health(clock_.now());
  EXPECT_EQ(h.status, SamplerHealth::Status::kPass);
  EXPECT_EQ(h.message, "ok");
  EXPECT_EQ(h.rounds, 2u);
  EXPECT_EQ(h.last_success_ms, clock_.wallMillis());
}

// The second round follows the first after the short priming interval, not a whole interval:
// start-up waits for it so that the first answer already has CPU percentages.
TEST_F(SystemSamplerTest, TheSecondRoundComesAfterThePrimingIntervalWithCpuFigures) {
  // The real clock: the rounds' own timing is what is under test, and rates need time to pass.
  SystemSampler hourly(std::make_unique<ScriptedProbe>(nullptr), common::Clock::system(),
                       std::chrono::hours(1));
  hourly.start();
  ASSERT_TRUE(hourly.waitForRounds(2, common::Millis(20000)));
  auto snapshot = hourly.snapshot();
  ASSERT_NE(snapshot, nullptr);
  EXPECT_DOUBLE_EQ(snapshot->cpu_percent.value(), 25.0);
  EXPECT_EQ(snapshot->cpu_per_core.size(), 2u);
  EXPECT_FALSE(hourly.waitForRounds(3, common::Millis(50)));  // then one round an hour
  hourly.stop();
}

TEST_F(SystemSamplerTest, SectionsArePreSerialised) {
  sampler_->sampleOnce();
  clock_.advance(std::chrono::seconds(1));
  sampler_->sampleOnce();
  auto s = sampler_->snapshot();
  std::string at = common::formatIsoTime(s->sampled_at_ms);

  auto info = parse(s->info_json);
  EXPECT_EQ(info->getValue<std::string>("sampled_at"), at);
  EXPECT_EQ(info->getValue<std::string>("hostname"), "box");
  EXPECT_EQ(info->getValue<std::string>("os"), "Test OS");
  EXPECT_EQ(info->getValue<int>("cpu_count"), 2);
  EXPECT_EQ(info->getValue<int>("memory_total_bytes"), 1000);
  EXPECT_EQ(info->getValue<std::string>("boot_time"), "2023-11-14T22:13:20.000Z");
  EXPECT_DOUBLE_EQ(info->getValue<double>("uptime_s"), 42.0);

  auto stats = parse(s->stats_json);
  EXPECT_EQ(stats->getValue<std::string>("sampled_at"), at);
  EXPECT_DOUBLE_EQ(stats->getObject("cpu")->getValue<double>("percent"), 25.0);
  EXPECT_EQ(stats->getObject("cpu")->getArray("per_core")->size(), 2u);
  EXPECT_EQ(stats->getObject("memory")->getValue<int>("used_bytes"), 750);
  EXPECT_DOUBLE_EQ(stats->getObject("memory")->getValue<double>("percent"), 75.0);
  EXPECT_TRUE(stats->isNull("swap"));
  EXPECT_DOUBLE_EQ(stats->getArray("load")->getElement<double>(0), 1.5);

  auto disk = parse(s->disk_json)->getArray("filesystems")->getObject(0);
  EXPECT_EQ(disk->getValue<std::string>("mount"), "/");
  EXPECT_EQ(disk->getValue<int>("free_bytes"), 60);
  EXPECT_DOUBLE_EQ(disk->getValue<double>("read_bytes_per_s"), 1000.0);
  EXPECT_DOUBLE_EQ(disk->getValue<double>("write_bytes_per_s"), 0.0);

  auto net = parse(s->network_json);
  auto eth0 = net->getArray("interfaces")->getObject(1);
  EXPECT_EQ(eth0->getValue<std::string>("name"), "eth0");
  EXPECT_DOUBLE_EQ(eth0->getValue<double>("tx_bytes_per_s"), 100.0);
  EXPECT_TRUE(eth0->getValue<bool>("up"));
  EXPECT_EQ(eth0->getValue<int>("mtu"), 1500);
  EXPECT_EQ(eth0->getArray("addresses")->getElement<std::string>(0), "10.0.0.2/24");
  EXPECT_EQ(net->getObject("connections")->getObject("tcp")->getValue<int>("LISTEN"), 2);
  EXPECT_EQ(net->getObject("connections")->getObject("udp")->size(), 0u);

  auto frame = parse(s->metrics_frame_json);
  EXPECT_EQ(frame->getValue<std::string>("type"), "metrics");
  EXPECT_EQ(frame->getValue<std::string>("sampled_at"), at);
  EXPECT_DOUBLE_EQ(frame->getObject("cpu")->getValue<double>("percent"), 25.0);
  EXPECT_DOUBLE_EQ(frame->getObject("memory")->getValue<double>("percent"), 75.0);
  EXPECT_EQ(frame->getArray("load")->size(), 3u);
  // Loopback is left out of the frame's network totals.
  EXPECT_DOUBLE_EQ(frame->getObject("network")->getValue<double>("rx_bytes_per_s"), 500.0);
}

TEST_F(SystemSamplerTest, FirstRoundHasNullRates) {
  sampler_->sampleOnce();
  auto s = sampler_->snapshot();
  EXPECT_TRUE(parse(s->stats_json)->getObject("cpu")->isNull("percent"));
  EXPECT_TRUE(
      parse(s->disk_json)->getArray("filesystems")->getObject(0)->isNull("read_bytes_per_s"));
  EXPECT_TRUE(parse(s->metrics_frame_json)->getObject("network")->isNull("rx_bytes_per_s"));
}

TEST_F(SystemSamplerTest, WarnsWhenASectionFails) {
  probe_->failing_section_ = "disk";
  sampler_->sampleOnce();
  SamplerHealth h = sampler_->health(clock_.now());
  EXPECT_EQ(h.status, SamplerHealth::Status::kWarn);
  EXPECT_EQ(h.message, "disk: cannot read");
  EXPECT_EQ(h.errors.at("disk"), "cannot read");
  EXPECT_EQ(sampler_->snapshot()->errors.at("disk"), "cannot read");
  probe_->failing_section_.clear();
  sampler_->sampleOnce();
  EXPECT_EQ(sampler_->health(clock_.now()).status, SamplerHealth::Status::kPass);
}

TEST_F(SystemSamplerTest, WarnsWhenTheSnapshotIsStale) {
  sampler_->sampleOnce();
  clock_.advance(std::chrono::milliseconds(3000));
  EXPECT_EQ(sampler_->health(clock_.now()).status, SamplerHealth::Status::kPass);
  clock_.advance(std::chrono::milliseconds(1));
  SamplerHealth h = sampler_->health(clock_.now());
  EXPECT_EQ(h.status, SamplerHealth::Status::kWarn);
  EXPECT_NE(h.message.find("3001 ms old"), std::string::npos) << h.message;
  // A longer interval (reload) makes the same age acceptable.
  sampler_->setInterval(common::Millis(2000));
  EXPECT_EQ(sampler_->health(clock_.now()).status, SamplerHealth::Status::kPass);
}

TEST_F(SystemSamplerTest, WarnsWhenARoundOutlastsTheInterval) {
  probe_->round_cost_ = std::chrono::milliseconds(1500);
  sampler_->sampleOnce();
  SamplerHealth h = sampler_->health(clock_.now());
  EXPECT_EQ(h.status, SamplerHealth::Status::kWarn);
  EXPECT_EQ(h.last_round_duration, common::Millis(1500));
  EXPECT_NE(h.message.find("took 1500 ms"), std::string::npos) << h.message;
}

TEST_F(SystemSamplerTest, AThrowingProbeKeepsTheLastSnapshot) {
  sampler_->sampleOnce();
  auto good = sampler_->snapshot();
  probe_->throw_next_ = true;
  sampler_->sampleOnce();
  EXPECT_EQ(sampler_->snapshot(), good);
  SamplerHealth h = sampler_->health(clock_.now());
  EXPECT_EQ(h.status, SamplerHealth::Status::kWarn);
  EXPECT_EQ(h.errors.at("round"), "probe blew up");
  EXPECT_EQ(h.rounds, 2u);
}

TEST_F(SystemSamplerTest, ThreadSamplesAndStopsPromptly) {
  sampler_->setInterval(common::Millis(60000));
  sampler_->start();
  sampler_->start();  // harmless
  ASSERT_TRUE(sampler_->waitForRounds(1, common::Millis(10000)));
  auto before = std::chrono::steady_clock::now();
  sampler_->stop();
  // A sleeping thread would hold stop() for the whole minute.
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(30));
  EXPECT_EQ(probe_->calls_.load(), 1);
  EXPECT_NE(sampler_->snapshot(), nullptr);
  sampler_->stop();  // idempotent
}

TEST_F(SystemSamplerTest, NewIntervalTakesEffectDuringAWait) {
  sampler_->setInterval(common::Millis(60000));
  sampler_->start();
  ASSERT_TRUE(sampler_->waitForRounds(1, common::Millis(10000)));
  sampler_->setInterval(common::Millis(100));
  EXPECT_EQ(sampler_->interval(), common::Millis(100));
  EXPECT_TRUE(sampler_->waitForRounds(3, common::Millis(20000)));
  sampler_->stop();
}

TEST_F(SystemSamplerTest, SettingsComeFromTheConfigTable) {
  auto loaded = config::ConfigLoader::load("", {{"system.sample_interval_ms", "250"}});
  ASSERT_TRUE(loaded.ok());
  SamplerSettings s = SamplerSettings::fromConfig(*loaded.config);
  EXPECT_EQ(s.interval, common::Millis(250));
  EXPECT_EQ(s.proc_root, "/");
  EXPECT_EQ(s.connections_interval, common::Millis(5000));
  EXPECT_FALSE(config::ConfigLoader::load("", {{"system.sample_interval_ms", "50"}}).ok());
  EXPECT_FALSE(config::ConfigLoader::load("", {{"system.sample_interval_ms", "60001"}}).ok());
}

}  // namespace
}  // namespace cc::system
