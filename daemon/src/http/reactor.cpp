#include "http/reactor.h"

#include <algorithm>
#include <atomic>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "common/thread_priority.h"
#include "http/reactor_poller.h"

namespace cc::http {
namespace {

// The longest a loop sleeps without a deadline: a client's timer is never further away.
constexpr auto kLongestWait = std::chrono::milliseconds(1000);

}  // namespace

struct Reactor::Loop {
  ReactorPoller poller;
  std::mutex mutex;  // tasks, ended
  std::vector<std::function<void()>> tasks;
  bool ended = true;               // post() refuses: not started, or stopped
  std::atomic<bool> woken{false};  // a wake-up is on its way for the tasks queued
  std::atomic<bool> stopping{false};
  // Its thread's alone (attach and detach run there, or while no thread runs).
  std::vector<Client*> clients;
  std::vector<Clock::time_point> due;
  std::atomic<std::thread::id> id{};
  std::thread thread;

  void runTasks() {
    // Cleared before the tasks are taken: a post() after the swap sends a fresh wake-up.
    woken.store(false);
    std::vector<std::function<void()>> now;
    {
      std::lock_guard<std::mutex> lock(mutex);
      now.swap(tasks);
    }
    for (auto& task : now) task();
  }
  void run(const Options& options, std::atomic<bool>& told);
};

struct Reactor::State {
  Options options;
  std::vector<std::unique_ptr<Loop>> loops;
  std::atomic<bool> running{false};
  std::atomic<bool> told{false};  // a refused priority has been logged
};

void Reactor::Loop::run(const Options& options, std::atomic<bool>& told) {
  id.store(std::this_thread::get_id());
  if (options.nice != 0) {
    common::Status raised = common::setThreadNice(options.nice);
    if (!raised.ok() && !told.exchange(true)) {
      spdlog::warn("{}.event_loop_nice = {}: {}; the event loops run at the default priority",
                   options.name, options.nice, raised.error().message);
    }
  }
  if (options.batch) {
    common::Status batched = common::setThreadBatch(true);
    if (!batched.ok() && !told.exchange(true)) {
      spdlog::warn("{}.event_loop_batch: {}; the event loops preempt when woken", options.name,
                   batched.error().message);
    }
  }
  std::vector<ReactorPoller::Ready> ready;
  auto now = Clock::now();
  while (true) {
    auto next = now + kLongestWait;
    for (std::size_t i = 0; i < clients.size(); ++i) {
      if (clients[i] != nullptr) next = std::min(next, due[i]);
    }
    // Rounded up, so that a deadline is never woken for a moment too early to be due.
    const auto until = std::chrono::duration_cast<std::chrono::microseconds>(next - Clock::now());
    const auto wait = std::chrono::milliseconds(std::max<int64_t>(0, (until.count() + 999) / 1000));
    ready.clear();
    poller.wait(wait, ready);
    for (const auto& r : ready) {
      const auto tag = static_cast<std::size_t>(r.tag);
      if (tag < clients.size() && clients[tag] != nullptr) clients[tag]->ready(r.fd, r.events);
    }
    runTasks();
    now = Clock::now();
    for (std::size_t i = 0; i < clients.size(); ++i) {
      if (clients[i] != nullptr) due[i] = clients[i]->tick(now);
    }
    if (stopping.load()) break;
  }
  // What was posted before the stop still runs; from here on post() refuses.
  std::vector<std::function<void()>> late;
  {
    std::lock_guard<std::mutex> lock(mutex);
    ended = true;
    late.swap(tasks);
  }
  for (auto& task : late) task();
}

Reactor::Reactor(Options options) : state_(std::make_unique<State>()) {
  options.loops = std::max(1, options.loops);
  state_->options = std::move(options);
  for (int i = 0; i < state_->options.loops; ++i) state_->loops.push_back(std::make_unique<Loop>());
}

Reactor::~Reactor() { stop(); }

bool Reactor::start() {
  State& s = *state_;
  if (s.running) return true;
  for (auto& loop : s.loops) {
    if (!loop->poller.open()) return false;
  }
  for (auto& loop : s.loops) {
    std::lock_guard<std::mutex> lock(loop->mutex);
    loop->ended = false;
  }
  s.running = true;
  for (auto& loop : s.loops) {
    Loop* l = loop.get();
    l->thread = std::thread([l, &s] { l->run(s.options, s.told); });
  }
  return true;
}

void Reactor::stop() {
  State& s = *state_;
  if (!s.running.exchange(false)) return;
  for (auto& loop : s.loops) {
    loop->stopping = true;
    loop->poller.wake();
  }
  for (auto& loop : s.loops) {
    loop->thread.join();
    loop->id.store(std::thread::id{});
  }
}

bool Reactor::running() const { return state_->running; }

int Reactor::loops() const { return state_->options.loops; }

std::size_t Reactor::loopOf(int fd) const {
  return static_cast<std::size_t>(fd < 0 ? 0 : fd) % state_->loops.size();
}

int Reactor::attach(std::size_t loop, Client& client) {
  Loop& l = *state_->loops[loop];
  int tag = 0;
  call(loop, [&] {
    tag = static_cast<int>(l.clients.size());
    l.clients.push_back(&client);
    l.due.push_back(Clock::time_point{});
  });
  return tag;
}

void Reactor::detach(std::size_t loop, int tag) {
  Loop& l = *state_->loops[loop];
  call(loop, [&] { l.clients[static_cast<std::size_t>(tag)] = nullptr; });
}

bool Reactor::add(std::size_t loop, int tag, const Poco::Net::Socket& socket, unsigned events) {
  return state_->loops[loop]->poller.add(tag, socket, events);
}

bool Reactor::modify(std::size_t loop, int tag, const Poco::Net::Socket& socket, unsigned events) {
  return state_->loops[loop]->poller.modify(tag, socket, events);
}

void Reactor::remove(std::size_t loop, const Poco::Net::Socket& socket) {
  state_->loops[loop]->poller.remove(socket);
}

bool Reactor::post(std::size_t loop, std::function<void()> task) {
  Loop& l = *state_->loops[loop];
  {
    std::lock_guard<std::mutex> lock(l.mutex);
    if (l.ended) return false;
    l.tasks.push_back(std::move(task));
  }
  if (!l.woken.exchange(true)) l.poller.wake();
  return true;
}

void Reactor::call(std::size_t loop, const std::function<void()>& task) {
  if (onLoop(loop)) {
    task();
    return;
  }
  std::promise<void> done;
  auto finished = done.get_future();
  if (!post(loop, [&] {
        task();
        done.set_value();
      })) {
    task();  // no thread runs it
    return;
  }
  finished.wait();
}

bool Reactor::onLoop(std::size_t loop) const {
  return state_->loops[loop]->id.load() == std::this_thread::get_id();
}

}  // namespace cc::http
