#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

#include "http/reactor.h"
#include "http/reactor_poller.h"

namespace cc::http {
namespace {

constexpr uint32_t kWakeTag = 0xFFFFFFFFu;

uint32_t epollEvents(unsigned events) {
  uint32_t e = 0;
  // Level-triggered: a socket stays reported until its client has taken what is there.
  if (events & Reactor::kReadable) e |= EPOLLIN | EPOLLRDHUP;
  if (events & Reactor::kWritable) e |= EPOLLOUT;
  return e;
}

unsigned reactorEvents(uint32_t e) {
  unsigned events = 0;
  if (e & EPOLLIN) events |= Reactor::kReadable;
  if (e & EPOLLOUT) events |= Reactor::kWritable;
  if (e & (EPOLLRDHUP | EPOLLHUP | EPOLLERR)) events |= Reactor::kHangUp;
  return events;
}

}  // namespace

struct ReactorPoller::Impl {
  int epoll_fd = -1;
  int event_fd = -1;
  std::vector<epoll_event> events = std::vector<epoll_event>(256);

  bool control(int op, uint32_t tag, int fd, uint32_t what) const {
    epoll_event ev{};
    ev.events = what;
    ev.data.u64 = (static_cast<uint64_t>(tag) << 32) | static_cast<uint32_t>(fd);
    return ::epoll_ctl(epoll_fd, op, fd, &ev) == 0;
  }
};

ReactorPoller::ReactorPoller() : impl_(std::make_unique<Impl>()) {}

ReactorPoller::~ReactorPoller() {
  if (impl_->epoll_fd >= 0) ::close(impl_->epoll_fd);
  if (impl_->event_fd >= 0) ::close(impl_->event_fd);
}

bool ReactorPoller::open() {
  impl_->epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  impl_->event_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  return impl_->epoll_fd >= 0 && impl_->event_fd >= 0 &&
         impl_->control(EPOLL_CTL_ADD, kWakeTag, impl_->event_fd, EPOLLIN);
}

void ReactorPoller::wake() {
  uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(impl_->event_fd, &one, sizeof one);
}

void ReactorPoller::wait(std::chrono::milliseconds timeout, std::vector<Ready>& out) {
  Impl& p = *impl_;
  int n = ::epoll_wait(p.epoll_fd, p.events.data(), static_cast<int>(p.events.size()),
                       static_cast<int>(timeout.count()));
  for (int i = 0; i < n; ++i) {
    const epoll_event& e = p.events[static_cast<std::size_t>(i)];
    const auto tag = static_cast<uint32_t>(e.data.u64 >> 32);
    if (tag == kWakeTag) {
      uint64_t wakes;
      [[maybe_unused]] auto r = ::read(p.event_fd, &wakes, sizeof wakes);
      continue;
    }
    out.push_back({static_cast<int>(tag), static_cast<int>(static_cast<uint32_t>(e.data.u64)),
                   reactorEvents(e.events)});
  }
}

bool ReactorPoller::add(int tag, const Poco::Net::Socket& socket, unsigned events) {
  return impl_->control(EPOLL_CTL_ADD, static_cast<uint32_t>(tag), socket.impl()->sockfd(),
                        epollEvents(events));
}

bool ReactorPoller::modify(int tag, const Poco::Net::Socket& socket, unsigned events) {
  return impl_->control(EPOLL_CTL_MOD, static_cast<uint32_t>(tag), socket.impl()->sockfd(),
                        epollEvents(events));
}

void ReactorPoller::remove(const Poco::Net::Socket& socket) {
  const int fd = socket.impl()->sockfd();
  if (fd >= 0) ::epoll_ctl(impl_->epoll_fd, EPOLL_CTL_DEL, fd, nullptr);
}

}  // namespace cc::http
