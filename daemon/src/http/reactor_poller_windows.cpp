#include <Poco/Exception.h>
#include <Poco/Net/DatagramSocket.h>
#include <Poco/Net/PollSet.h>
#include <Poco/Net/SocketAddress.h>

#include <atomic>
#include <mutex>
#include <unordered_map>

#include "http/reactor.h"
#include "http/reactor_poller.h"

namespace cc::http {
namespace {

int pollMode(unsigned events) {
  int mode = 0;
  if (events & Reactor::kReadable) mode |= Poco::Net::PollSet::POLL_READ;
  if (events & Reactor::kWritable) mode |= Poco::Net::PollSet::POLL_WRITE;
  return mode;
}

unsigned reactorEvents(int mode) {
  unsigned events = 0;
  if (mode & Poco::Net::PollSet::POLL_READ) events |= Reactor::kReadable;
  if (mode & Poco::Net::PollSet::POLL_WRITE) events |= Reactor::kWritable;
  if (mode & Poco::Net::PollSet::POLL_ERROR) events |= Reactor::kHangUp;
  return events;
}

}  // namespace

// Without epoll: Poco's PollSet, woken by a datagram to itself on loopback.
struct ReactorPoller::Impl {
  Poco::Net::PollSet set;
  Poco::Net::DatagramSocket wake_receiver;
  Poco::Net::DatagramSocket wake_sender;
  std::mutex mutex;  // tags
  std::unordered_map<poco_socket_t, int> tags;
};

namespace {

// Notes whose `socket` is (`tag`), then lets `change` add it to the set or update it there;
// false when Poco refuses.
template <typename Change>
bool tagThen(std::mutex& mutex, std::unordered_map<poco_socket_t, int>& tags, int tag,
             const Poco::Net::Socket& socket, Change change) {
  try {
    {
      std::lock_guard<std::mutex> lock(mutex);
      tags[socket.impl()->sockfd()] = tag;
    }
    change();
  } catch (const Poco::Exception&) {
    return false;
  }
  return true;
}

}  // namespace

ReactorPoller::ReactorPoller() : impl_(std::make_unique<Impl>()) {}

ReactorPoller::~ReactorPoller() = default;

bool ReactorPoller::open() {
  try {
    impl_->wake_receiver.bind(Poco::Net::SocketAddress("127.0.0.1", 0));
    impl_->wake_receiver.setBlocking(false);
    impl_->wake_sender.connect(impl_->wake_receiver.address());
    impl_->wake_sender.setBlocking(false);
    impl_->set.add(impl_->wake_receiver, Poco::Net::PollSet::POLL_READ);
  } catch (const Poco::Exception&) {
    return false;
  }
  return true;
}

void ReactorPoller::wake() {
  try {
    impl_->wake_sender.sendBytes("w", 1);
  } catch (const Poco::Exception&) {
    // A full datagram buffer means a wake-up is already pending.
  }
}

void ReactorPoller::wait(std::chrono::milliseconds timeout, std::vector<Ready>& out) {
  Impl& p = *impl_;
  Poco::Net::PollSet::SocketModeMap ready;
  try {
    ready =
        p.set.poll(Poco::Timespan(static_cast<Poco::Timespan::TimeDiff>(timeout.count()) * 1000));
  } catch (const Poco::Exception&) {
    // EINTR and friends: the next round polls again.
  }
  std::lock_guard<std::mutex> lock(p.mutex);
  for (const auto& [socket, mode] : ready) {
    if (socket == p.wake_receiver) {
      char buf[64];
      try {
        while (p.wake_receiver.receiveBytes(buf, sizeof buf) > 0) {
        }
      } catch (const Poco::Exception&) {
        // Nothing left to drain.
      }
      continue;
    }
    auto it = p.tags.find(socket.impl()->sockfd());
    if (it == p.tags.end()) continue;
    out.push_back({it->second, static_cast<int>(it->first), reactorEvents(mode)});
  }
}

bool ReactorPoller::add(int tag, const Poco::Net::Socket& socket, unsigned events) {
  if (!tagThen(impl_->mutex, impl_->tags, tag, socket,
               [&] { impl_->set.add(socket, pollMode(events)); })) {
    return false;
  }
  wake();  // a poll in progress may not see a socket added meanwhile
  return true;
}

bool ReactorPoller::modify(int tag, const Poco::Net::Socket& socket, unsigned events) {
  if (!tagThen(impl_->mutex, impl_->tags, tag, socket,
               [&] { impl_->set.update(socket, pollMode(events)); })) {
    return false;
  }
  wake();
  return true;
}

void ReactorPoller::remove(const Poco::Net::Socket& socket) {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->tags.erase(socket.impl()->sockfd());
  }
  try {
    impl_->set.remove(socket);
  } catch (const Poco::Exception&) {
    // Not in the set: nothing to remove.
  }
}

}  // namespace cc::http
