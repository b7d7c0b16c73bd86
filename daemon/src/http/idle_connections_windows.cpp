#include "http/idle_connections.h"

namespace cc::http {

// Without epoll, connections keep their worker between requests (park() says no), which the
// HTTP connection handles with its blocking, fair wait.
struct IdleConnections::State {};

IdleConnections::IdleConnections(Handoff, Handoff) : state_(std::make_unique<State>()) {}
IdleConnections::~IdleConnections() = default;
void IdleConnections::start() {}
void IdleConnections::stop() {}
bool IdleConnections::park(const Poco::Net::StreamSocket&, std::chrono::steady_clock::time_point) {
  return false;
}
void IdleConnections::closeAll() {}
std::size_t IdleConnections::closeOldest(std::size_t) { return 0; }
bool IdleConnections::available() const { return false; }
std::size_t IdleConnections::size() const { return 0; }

}  // namespace cc::http
