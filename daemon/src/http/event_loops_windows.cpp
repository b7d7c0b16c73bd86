#include "http/event_loops.h"

namespace cc::http {

// Without epoll, connections keep their worker between requests (park() says no), which the
// HTTP connection handles with its blocking, fair wait. The reactor still serves the WebSockets.
struct EventLoops::State {
  int count = 1;
};

EventLoops::EventLoops(Reactor& reactor, Serve, HandOff, Expire)
    : state_(std::make_unique<State>()) {
  state_->count = reactor.loops();
}
EventLoops::~EventLoops() = default;
void EventLoops::start() {}
void EventLoops::stop() {}
bool EventLoops::park(const Poco::Net::StreamSocket&, Clock::time_point, bool, bool) {
  return false;
}
void EventLoops::closeAll() {}
std::size_t EventLoops::closeOldest(std::size_t) { return 0; }
bool EventLoops::complete(const Ticket&, Answer) { return false; }
std::size_t EventLoops::waiting() const { return 0; }
bool EventLoops::available() const { return false; }
std::size_t EventLoops::size() const { return 0; }
int EventLoops::loops() const { return state_->count; }

}  // namespace cc::http
