#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "http/idle_connections.h"

namespace cc::http {

using Clock = std::chrono::steady_clock;

// Idle deadlines are checked on this period: a keep-alive timeout is honoured within it.
constexpr auto kSweepPeriod = std::chrono::milliseconds(250);

struct IdleConnections::State {
  struct Entry {
    Poco::Net::StreamSocket socket;
    Clock::time_point deadline;
  };

  Handoff wake;
  Handoff expire;
  int epoll_fd = -1;
  int event_fd = -1;
  mutable std::mutex mutex;
  std::unordered_map<int, Entry> parked;  // by file descriptor, which is open while parked
  bool running = false;
  bool closing = false;   // closeAll() asked; no more parking
  bool stopping = false;  // stop() asked; the thread ends
  std::thread thread;

  void signal() const {
    uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(event_fd, &one, sizeof one);
  }
  void forget(int fd) { ::epoll_ctl(epoll_fd, EPOLL_CTL_DEL, fd, nullptr); }
  void loop();
};

namespace {

bool hasBytes(int fd) {
  char c;
  return ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

}  // namespace

void IdleConnections::State::loop() {
  std::vector<epoll_event> events(256);
  auto next_sweep = Clock::now() + kSweepPeriod;
  while (true) {
    int n = ::epoll_wait(epoll_fd, events.data(), static_cast<int>(events.size()),
                         static_cast<int>(kSweepPeriod.count()));
    std::vector<Poco::Net::StreamSocket> to_wake;
    std::vector<Poco::Net::StreamSocket> to_expire;
    {
      std::lock_guard<std::mutex> lock(mutex);
      for (int i = 0; i < n; ++i) {
        int fd = events[static_cast<std::size_t>(i)].data.fd;
        if (fd == event_fd) {
          uint64_t count;
          [[maybe_unused]] auto r = ::read(event_fd, &count, sizeof count);
          continue;
        }
        // One-shot: the descriptor is disarmed now, so a worker may use it undisturbed.
        auto it = parked.find(fd);
        if (it == parked.end()) continue;
        to_wake.push_back(std::move(it->second.socket));
        parked.erase(it);
      }
      auto now = Clock::now();
      if (closing || stopping) {
        for (auto& [fd, entry] : parked) {
          forget(fd);
          (!stopping && hasBytes(fd) ? to_wake : to_expire).push_back(std::move(entry.socket));
        }
        parked.clear();
      } else if (now >= next_sweep) {
        for (auto it = parked.begin(); it != parked.end();) {
          if (it->second.deadline <= now) {
            forget(it->first);
            to_expire.push_back(std::move(it->second.socket));
            it = parked.erase(it);
          } else {
            ++it;
          }
        }
        next_sweep = now + kSweepPeriod;
      }
    }
    for (auto& s : to_wake) wake(s);
    for (auto& s : to_expire) expire(s);
    std::lock_guard<std::mutex> lock(mutex);
    if (stopping && parked.empty()) return;
  }
}

IdleConnections::IdleConnections(Handoff wake, Handoff expire) : state_(std::make_unique<State>()) {
  state_->wake = std::move(wake);
  state_->expire = std::move(expire);
}

IdleConnections::~IdleConnections() { stop(); }

void IdleConnections::start() {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (s.running) return;
  s.epoll_fd = ::epoll_create1(EPOLL_CLOEXEC);
  s.event_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (s.epoll_fd < 0 || s.event_fd < 0) {
    // Without them connections simply keep their worker between requests, as on other systems.
    if (s.epoll_fd >= 0) ::close(s.epoll_fd);
    if (s.event_fd >= 0) ::close(s.event_fd);
    s.epoll_fd = s.event_fd = -1;
    return;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.fd = s.event_fd;
  ::epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, s.event_fd, &ev);
  s.running = true;
  s.thread = std::thread([&s] { s.loop(); });
}

void IdleConnections::stop() {
  State& s = *state_;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (!s.running) return;
    s.stopping = true;
    s.signal();
  }
  s.thread.join();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.running = false;
  ::close(s.epoll_fd);
  ::close(s.event_fd);
  s.epoll_fd = s.event_fd = -1;
}

bool IdleConnections::park(const Poco::Net::StreamSocket& socket,
                           std::chrono::steady_clock::time_point idle_deadline) {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!s.running || s.closing || s.stopping) return false;
  int fd = socket.impl()->sockfd();
  if (fd < 0) return false;
  epoll_event ev{};
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLONESHOT;
  ev.data.fd = fd;
  // A descriptor parked before stays registered (disarmed) until it is closed, which removes
  // it: re-arm it, or register it the first time.
  if (::epoll_ctl(s.epoll_fd, EPOLL_CTL_MOD, fd, &ev) != 0 &&
      (errno != ENOENT || ::epoll_ctl(s.epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0)) {
    return false;
  }
  s.parked.insert_or_assign(fd, State::Entry{socket, idle_deadline});
  return true;
}

void IdleConnections::closeAll() {
  State& s = *state_;
  std::lock_guard<std::mutex> lock(s.mutex);
  if (!s.running) return;
  s.closing = true;
  s.signal();
}

std::size_t IdleConnections::closeOldest(std::size_t count) {
  State& s = *state_;
  std::vector<Poco::Net::StreamSocket> to_expire;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    if (count == 0 || s.parked.empty()) return 0;
    // Every connection is parked with the same keep-alive timeout, so the earliest deadline is
    // the one parked longest ago.
    std::vector<std::pair<Clock::time_point, int>> by_age;
    by_age.reserve(s.parked.size());
    for (const auto& [fd, entry] : s.parked) by_age.emplace_back(entry.deadline, fd);
    count = std::min(count, by_age.size());
    std::partial_sort(by_age.begin(), by_age.begin() + static_cast<std::ptrdiff_t>(count),
                      by_age.end());
    for (std::size_t i = 0; i < count; ++i) {
      auto it = s.parked.find(by_age[i].second);
      s.forget(it->first);
      to_expire.push_back(std::move(it->second.socket));
      s.parked.erase(it);
    }
  }
  for (auto& socket : to_expire) s.expire(socket);
  return to_expire.size();
}

bool IdleConnections::available() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->running;
}

std::size_t IdleConnections::size() const {
  std::lock_guard<std::mutex> lock(state_->mutex);
  return state_->parked.size();
}

}  // namespace cc::http
