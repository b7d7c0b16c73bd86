// An I/O loop that has ended still tells a client handed to it that the server is going away.
#include "ws/io_loop.h"

#include <Poco/Net/ServerSocket.h>
#include <Poco/Net/SocketAddress.h>
#include <Poco/Net/StreamSocket.h>
#include <gtest/gtest.h>

#include <string>

#include "ws/frame.h"

namespace cc::ws {
namespace {

TEST(IoLoopTest, AClientAdoptedAfterTheLoopEndedGetsCloseGoingAway) {
  HubSettings settings;
  TokenValidator validator;
  IoLoop loop(settings, validator, IoLoop::Hooks{});
  loop.start();
  loop.shutdown();  // the thread has ended: nothing more runs on it

  Poco::Net::ServerSocket listener(Poco::Net::SocketAddress("127.0.0.1", 0));
  Poco::Net::StreamSocket client(listener.address());
  Handoff handoff;
  handoff.socket = listener.acceptConnection();
  loop.adopt(std::move(handoff));
  EXPECT_EQ(loop.connections(), 0);

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
