#include "ws/hub_settings.h"

#include <gtest/gtest.h>

#include "config/config.h"

namespace cc::ws {
namespace {

class WsHubSettingsTest : public ::testing::Test {
 protected:
  static HubSettings load(const config::ConfigLoader::Defines& defines) {
    config::LoadResult loaded = config::ConfigLoader::load("", defines);
    EXPECT_TRUE(loaded.ok()) << (loaded.problems.empty() ? "" : loaded.problems.front());
    return HubSettings::fromConfig(*loaded.config);
  }
};

TEST_F(WsHubSettingsTest, DefaultsMatchTheDocumentedLimits) {
  HubSettings s = load({});
  EXPECT_TRUE(s.metrics_public);
  EXPECT_EQ(s.metrics_interval.count(), 1000);
  EXPECT_EQ(s.max_connections, 2000);
  EXPECT_EQ(s.max_connections_per_client, 20);
  EXPECT_DOUBLE_EQ(s.max_messages_per_s, 20);
  EXPECT_EQ(s.max_message_bytes, 65536u);
  EXPECT_EQ(s.max_send_queue, 256u);
  EXPECT_EQ(s.ping_interval.count(), 30000);
  EXPECT_EQ(s.idle_timeout.count(), 75000);
  EXPECT_EQ(s.auth_timeout.count(), 5000);
}

TEST_F(WsHubSettingsTest, ReadsEveryKey) {
  HubSettings s = load({{"ws.metrics_public", "false"},
                        {"ws.max_connections_per_client", "3"},
                        {"ws.ping_interval_s", "5"},
                        {"ws.idle_timeout_s", "12"}});
  EXPECT_FALSE(s.metrics_public);
  EXPECT_EQ(s.max_connections_per_client, 3);
  EXPECT_EQ(s.ping_interval.count(), 5000);
  EXPECT_EQ(s.idle_timeout.count(), 12000);
}

TEST_F(WsHubSettingsTest, RejectsOutOfRangeValues) {
  config::LoadResult loaded = config::ConfigLoader::load("", {{"ws.max_send_queue", "0"}});
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.problems.front().find("ws.max_send_queue"), std::string::npos);
}

// The hub has no threads of its own any more; an old file that still sets their number loads.
TEST_F(WsHubSettingsTest, TheRetiredIoThreadsKeyIsStillAccepted) {
  for (const char* value : {"0", "2", "64", "500"}) {
    config::LoadResult loaded = config::ConfigLoader::load("", {{"ws.io_threads", value}});
    EXPECT_TRUE(loaded.ok()) << value << ": "
                             << (loaded.problems.empty() ? "" : loaded.problems.front());
  }
}

}  // namespace
}  // namespace cc::ws
