// A connection set that has left its loop still tells a client handed to it that the server is
// going away.
#include "ws/connection_set.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <string>

#include "ws/frame.h"

namespace cc::ws {
namespace {

TEST(ConnectionSetTest, AClientAdoptedAfterTheSetLeftItsLoopGetsCloseGoingAway) {
  http::Reactor reactor(http::Reactor::Options{1, 0, "test"});
  ASSERT_TRUE(reactor.start());
  HubSettings settings;
  TokenValidator validator;
  ConnectionSet set(reactor, 0, settings, validator, ConnectionSet::Hooks{});
  set.start();
  set.shutdown();  // it has left the loop: nothing more of it runs there

  Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));
  Poco::Net::StreamSocket client(listener.address());
  Handoff handoff;
  handoff.socket = listener.acceptConnection();
  set.adopt(std::move(handoff));
  EXPECT_EQ(set.connections(), 0);

  client.setReceiveTimeout(Poco::Timespan(5, 0));
  std::string got;
  char buf[256];
  int n = 0;
  while ((n = client.receiveBytes(buf, sizeof buf)) > 0)
    got.append(buf, static_cast<std::size_t>(n));
  EXPECT_EQ(got, *closeFrame(close_code::kGoingAway, "server shutting down"))
      << "a close frame with 1001, then the end of the stream";
}

}  // namespace
}  // namespace cc::ws
