#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <functional>
#include <mutex>
#include <optional>
#include <unordered_map>
#include <vector>

#include "http/event_loops.h"

namespace cc::http {
namespace {

using Clock = EventLoops::Clock;

// Deadlines are checked on this period: a keep-alive or send timeout is honoured within it.
constexpr auto kSweepPeriod = std::chrono::milliseconds(250);

bool hasBytes(int fd) {
  char c;
  return ::recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

enum class Sent { kAll, kPartly, kFailed };

// Sends what the socket takes now, without waiting.
Sent sendSome(int fd, const std::string& out, std::size_t& sent) {
  while (sent < out.size()) {
    ssize_t n = ::send(fd, out.data() + sent, out.size() - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) {
      sent += static_cast<std::size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return Sent::kPartly;
    return Sent::kFailed;
  }
  return Sent::kAll;
}

}  // namespace

// The connections one loop of the reactor holds, by file descriptor (open while held).
struct Loop final : Reactor::Client {
  struct Entry {
    Poco::Net::StreamSocket socket;
    Clock::time_point deadline;  // idle (or header) deadline; the send deadline while writing
    bool fresh = false;
    bool answer_here = true;  // ask serve() when readable; otherwise hand off at once
    bool busy = false;        // its loop is asking serve() about it, outside the mutex
    bool watched = true;      // in the reactor's set (not while it waits for complete())
    // Answer::Next::kAwait: readable only once the whole request is buffered (SO_RCVLOWAT);
    // handed off at `deadline` if it has not come.
    bool awaiting = false;
    // Waiting for complete() (Answer::Next::kLater), named by `serial`; `deadline` is then the
    // answer's, past which on_deadline is called once.
    bool waiting = false;
    uint64_t serial = 0;
    std::function<void()> on_deadline;
    // An answer made this round of its loop, sent at the round's end with the others
    // (sendRound): the loop reads every ready request before it writes.
    bool sending = false;
    // An answer the socket has not taken whole yet.
    bool writing = false;
    std::string out;
    std::size_t sent = 0;
    std::shared_ptr<void> held;
    bool close_after = false;
    Clock::time_point idle_after{};
    Clock::time_point send_by{};  // the send deadline of `out`
  };
  struct Expiry {
    Poco::Net::StreamSocket socket;
    bool fresh;
    EventLoops::Why why;
  };
  struct Handing {
    Poco::Net::StreamSocket socket;
    bool fresh;
    Clock::time_point deadline;
  };

  std::size_t index = 0;  // the reactor's loop, and in EventLoops::State::loops, for tickets
  Reactor* reactor = nullptr;
  int tag = -1;  // this client's on the reactor's loop
  const EventLoops::Serve* serve = nullptr;
  const EventLoops::HandOff* hand_off = nullptr;
  const EventLoops::Expire* expire = nullptr;
  const std::atomic<bool>* closing = nullptr;
  const std::atomic<bool>* stopping = nullptr;
  mutable std::mutex mutex;
  std::unordered_map<int, Entry> held;
  std::atomic<std::size_t> count{0};    // held.size(), for size() without the mutex
  std::atomic<std::size_t> waiting{0};  // entries waiting for complete()
  uint64_t next_serial = 0;
  // When the loop next sweeps: every kSweepPeriod, sooner for an answer's deadline.
  Clock::time_point next_sweep{};
  // What this round of the loop hands off, expires and finds overdue: given out after it, once
  // the mutex is let go (the loop's thread only).
  std::vector<Expiry> round_expired;
  std::vector<Handing> round_handed;
  std::vector<std::function<void()>> round_overdue;
  std::vector<int> round_sends;  // entries `sending`, in the order they were answered

  // Watches a held connection for `events` (level-triggered: its loop alone owns it), adding it
  // back to the set if it waited outside it.
  bool watchHeld(Entry& entry, unsigned events) {
    const bool ok = entry.watched ? reactor->modify(index, tag, entry.socket, events)
                                  : reactor->add(index, tag, entry.socket, events);
    entry.watched = entry.watched || ok;
    return ok;
  }
  // Readable again as soon as a byte is there, for whoever reads it next (after kAwait).
  static void stopAwaiting(int fd, Entry& entry) {
    if (!entry.awaiting) return;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &one, sizeof one);
    entry.awaiting = false;
  }
  // Takes an entry out of `held`, its descriptor out of the set; returns its socket.
  Poco::Net::StreamSocket take(std::unordered_map<int, Entry>::iterator it) {
    if (it->second.watched) reactor->remove(index, it->second.socket);
    if (it->second.waiting) waiting.fetch_sub(1, std::memory_order_relaxed);
    Poco::Net::StreamSocket socket = std::move(it->second.socket);
    held.erase(it);
    count.fetch_sub(1, std::memory_order_relaxed);
    return socket;
  }
  // A held connection is readable (or, while it is written, writable).
  void ready(int fd, unsigned events) override;
  // Sweeps when due (every round while closing), then gives out what the round collected.
  Clock::time_point tick(Clock::time_point now) override;
  // Hands off and expires what was collected, outside the mutex.
  void giveOut(std::vector<Expiry>& expired_now, std::vector<Handing>& handed_now);
  // All with `mutex` held; what is to be handed off or expired is collected for after.
  // answered() keeps an answer's bytes in the entry and returns true when they are to be sent
  // (send()); send() sends what the socket takes now, and waits to write the rest.
  bool answered(int fd, Entry& entry, EventLoops::Answer answer, std::vector<Handing>& handed);
  void send(int fd, Entry& entry, std::vector<Expiry>& expired);
  // Sends the answers this round made (the loop's thread only).
  void sendRound();
  void wrote(int fd, Entry& entry, std::vector<Expiry>& expired);
  void sweep(Clock::time_point now, bool all, std::vector<Expiry>& expired,
             std::vector<Handing>& handed, std::vector<std::function<void()>>& overdue);
  // A connection whose request was taken: it waits, outside the set, for complete().
  void waitForAnswer(Entry& entry, EventLoops::Answer& answer);
};

bool Loop::answered(int fd, Entry& entry, EventLoops::Answer answer, std::vector<Handing>& handed) {
  if (answer.next == EventLoops::Answer::Next::kAwait) {
    // The kernel wakes the loop when the rest has come (or the peer hangs up), not for each
    // piece of it; past the deadline a worker serves what there is.
    const int want = static_cast<int>(std::min<std::size_t>(answer.await_bytes, 1 << 20));
    if (::setsockopt(fd, SOL_SOCKET, SO_RCVLOWAT, &want, sizeof want) != 0) {
      answer.next = EventLoops::Answer::Next::kHandOff;  // a worker waits for it instead
    } else {
      entry.awaiting = true;
      entry.deadline = answer.idle_deadline;
      return false;
    }
  }
  if (answer.next == EventLoops::Answer::Next::kHandOff) {
    const bool fresh = entry.fresh;
    const Clock::time_point deadline = entry.deadline;
    handed.push_back({take(held.find(fd)), fresh, deadline});
    return false;
  }
  if (answer.next == EventLoops::Answer::Next::kKeep && answer.out.empty() &&
      answer.idle_deadline == Clock::time_point{}) {
    return false;  // nothing was there after all: it waits as it did
  }
  entry.fresh = false;
  entry.out = std::move(answer.out);
  entry.sent = 0;
  entry.held = std::move(answer.held);
  entry.close_after = answer.next == EventLoops::Answer::Next::kClose;
  entry.idle_after = answer.idle_deadline;
  entry.send_by = answer.send_deadline;
  return true;
}

void Loop::send(int fd, Entry& entry, std::vector<Expiry>& expired) {
  switch (sendSome(fd, entry.out, entry.sent)) {
    case Sent::kAll:
      wrote(fd, entry, expired);
      return;
    case Sent::kFailed:
      entry.close_after = true;
      wrote(fd, entry, expired);
      return;
    case Sent::kPartly:
      // Until the client takes the rest, its next request waits (answers stay in order).
      entry.writing = true;
      entry.deadline = entry.send_by;
      if (!watchHeld(entry, Reactor::kWritable)) {
        entry.close_after = true;
        wrote(fd, entry, expired);
      }
      return;
  }
}

void Loop::sendRound() {
  for (int fd : round_sends) {
    auto it = held.find(fd);
    if (it == held.end() || !it->second.sending) continue;
    it->second.sending = false;
    send(fd, it->second, round_expired);
  }
  round_sends.clear();
}

void Loop::wrote(int fd, Entry& entry, std::vector<Expiry>& expired) {
  const bool was_writing = entry.writing;
  entry.writing = false;
  entry.out.clear();
  entry.out.shrink_to_fit();
  entry.held.reset();
  if (entry.close_after ||
      ((was_writing || !entry.watched) && !watchHeld(entry, Reactor::kReadable))) {
    expired.push_back({take(held.find(fd)), false, EventLoops::Why::kAnswered});
    return;
  }
  entry.deadline = entry.idle_after;
}

void Loop::sweep(Clock::time_point now, bool all, std::vector<Expiry>& expired,
                 std::vector<Handing>& handed, std::vector<std::function<void()>>& overdue) {
  const bool stop_now = stopping->load();
  next_sweep = now + kSweepPeriod;
  for (auto it = held.begin(); it != held.end();) {
    Entry& entry = it->second;
    const bool due = entry.deadline <= now;
    if (entry.waiting && !stop_now) {
      // Its answer comes by complete(), closing or not; past its deadline, once, on_deadline
      // is to bring one.
      if (due && entry.on_deadline) overdue.push_back(std::move(entry.on_deadline));
      entry.on_deadline = nullptr;
      if (!due) next_sweep = std::min(next_sweep, entry.deadline);
      ++it;
      continue;
    }
    // Closing: an answer being sent still goes out (until its send deadline).
    if (!(all && (!entry.writing || stop_now)) && !due) {
      ++it;
      continue;
    }
    const bool fresh = entry.fresh;
    const Clock::time_point deadline = entry.deadline;
    auto next = std::next(it);
    if (entry.writing) {
      expired.push_back(
          {take(it), false, due ? EventLoops::Why::kSlowReader : EventLoops::Why::kStopping});
    } else if (!stop_now && (entry.awaiting || (all && (entry.fresh || hasBytes(it->first))))) {
      // A request still arriving past its deadline (the worker answers what it makes of it),
      // or, closing, a request on its way or a new connection that may still send its first
      // one: a worker serves it (waiting out its header deadline, within the drain's grace).
      stopAwaiting(it->first, entry);  // the worker reads as usual
      handed.push_back({take(it), fresh, deadline});
    } else {
      expired.push_back(
          {take(it), fresh, all ? EventLoops::Why::kStopping : EventLoops::Why::kIdle});
    }
    it = next;
  }
}

void Loop::waitForAnswer(Entry& entry, EventLoops::Answer& answer) {
  // Not watched meanwhile: a pipelined request waits in the kernel, and a hang-up is noticed
  // when the answer is sent.
  reactor->remove(index, entry.socket);
  entry.watched = false;
  entry.waiting = true;
  entry.fresh = false;
  entry.serial = ++next_serial;
  entry.deadline = answer.later_deadline;
  entry.on_deadline = std::move(answer.on_deadline);
  waiting.fetch_add(1, std::memory_order_relaxed);
  next_sweep = std::min(next_sweep, entry.deadline);
}

void Loop::ready(int fd, unsigned /*events*/) {
  // A copy of the entry's socket (a reference count), made only once it is needed: Poco's
  // default StreamSocket allocates a socket of its own, for every readable connection.
  std::optional<Poco::Net::StreamSocket> socket;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = held.find(fd);
    if (it == held.end() || it->second.waiting || it->second.sending) return;
    Entry& entry = it->second;
    if (entry.writing) {
      if (sendSome(fd, entry.out, entry.sent) != Sent::kPartly) wrote(fd, entry, round_expired);
      return;
    }
    if (!entry.answer_here) {
      answered(fd, entry, EventLoops::Answer{}, round_handed);
      return;
    }
    stopAwaiting(fd, entry);  // whatever serve() makes of what came
    entry.busy = true;
    socket.emplace(entry.socket);
  }
  EventLoops::Answer answer = (*serve)(*socket);
  std::function<void(const EventLoops::Ticket&)> start;
  EventLoops::Ticket ticket{index, fd, 0};
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = held.find(fd);  // busy entries are left alone by every other thread
    it->second.busy = false;
    if (answer.next == EventLoops::Answer::Next::kLater) {
      waitForAnswer(it->second, answer);
      ticket.serial = it->second.serial;
      start = std::move(answer.start);
    } else if (answered(fd, it->second, std::move(answer), round_handed)) {
      // Sent at the end of the round, after every other ready request is read: the clients
      // get the round's answers together.
      it->second.sending = true;
      round_sends.push_back(fd);
    }
  }
  // Outside the mutex: the answer may come back (complete()) before start returns.
  if (start) start(ticket);
}

Clock::time_point Loop::tick(Clock::time_point now) {
  const bool all = closing->load() || stopping->load();
  {
    std::lock_guard<std::mutex> lock(mutex);
    sendRound();
    if (all || now >= next_sweep) sweep(now, all, round_expired, round_handed, round_overdue);
  }
  giveOut(round_expired, round_handed);
  for (auto& late : round_overdue) late();
  round_overdue.clear();
  return next_sweep;
}

void Loop::giveOut(std::vector<Expiry>& expired_now, std::vector<Handing>& handed_now) {
  for (auto& h : handed_now) (*hand_off)(h.socket, h.fresh, h.deadline);
  for (auto& e : expired_now) (*expire)(e.socket, e.fresh, e.why);
  handed_now.clear();
  expired_now.clear();
}

struct EventLoops::State {
  Reactor* reactor = nullptr;
  Serve serve;
  HandOff hand_off;
  Expire expire;
  int count = 1;     // the reactor's loops
  std::mutex mutex;  // start() and stop()
  std::atomic<bool> running{false};
  std::atomic<bool> closing{false};   // closeAll() asked; no more parking
  std::atomic<bool> stopping{false};  // stop() asked; the loops let go
  std::vector<std::unique_ptr<Loop>> loops;

  Loop& loopOf(int fd) { return *loops[reactor->loopOf(fd)]; }
};

EventLoops::EventLoops(Reactor& reactor, Serve serve, HandOff hand_off, Expire expire)
    : state_(std::make_unique<State>()) {
  state_->reactor = &reactor;
  state_->serve = std::move(serve);
  state_->hand_off = std::move(hand_off);
  state_->expire = std::move(expire);
  state_->count = reactor.loops();
}

EventLoops::~EventLoops() { stop(); }

void EventLoops::start() {
  State& s = *state_;
  std::lock_guard<std::mutex> guard(s.mutex);
  // Started once, on a running reactor; without one connections keep their worker.
  if (s.running || !s.loops.empty() || !s.reactor->running()) return;
  for (int i = 0; i < s.count; ++i) {
    auto loop = std::make_unique<Loop>();
    loop->index = s.loops.size();
    loop->reactor = s.reactor;
    loop->serve = &s.serve;
    loop->hand_off = &s.hand_off;
    loop->expire = &s.expire;
    loop->closing = &s.closing;
    loop->stopping = &s.stopping;
    loop->next_sweep = Clock::now() + kSweepPeriod;
    loop->tag = s.reactor->attach(loop->index, *loop);
    s.loops.push_back(std::move(loop));
  }
  s.stopping = false;
  s.closing = false;
  s.running = true;
}

void EventLoops::stop() {
  State& s = *state_;
  std::lock_guard<std::mutex> guard(s.mutex);
  if (!s.running) return;
  s.stopping = true;
  // On each loop's thread (or here, once the reactor has stopped): every connection still held
  // is expired, and the loop lets go of this client.
  for (auto& loop : s.loops) {
    Loop* l = loop.get();
    s.reactor->call(l->index, [l] {
      {
        std::lock_guard<std::mutex> lock(l->mutex);
        l->sweep(Clock::now(), true, l->round_expired, l->round_handed, l->round_overdue);
      }
      l->giveOut(l->round_expired, l->round_handed);
      l->round_overdue.clear();
      l->reactor->detach(l->index, l->tag);
    });
  }
  s.running = false;
  // The loops themselves stay until destruction: a park() racing with the stop may still look
  // at one (and finds it stopping).
}

bool EventLoops::park(const Poco::Net::StreamSocket& socket, Clock::time_point idle_deadline,
                      bool fresh, bool answer_here) {
  State& s = *state_;
  if (!s.running || s.closing || s.stopping) return false;
  const int fd = socket.impl()->sockfd();
  if (fd < 0) return false;
  Loop& loop = s.loopOf(fd);
  std::lock_guard<std::mutex> lock(loop.mutex);
  // Checked again under the loop's mutex: its closing sweep takes the same mutex, so nothing
  // parked after it is left behind.
  if (s.closing || s.stopping) return false;
  Loop::Entry entry;
  entry.socket = socket;
  entry.deadline = idle_deadline;
  entry.fresh = fresh;
  entry.answer_here = answer_here;
  auto [it, inserted] = loop.held.insert_or_assign(fd, std::move(entry));
  if (!s.reactor->add(loop.index, loop.tag, socket, Reactor::kReadable)) {
    loop.held.erase(it);
    if (!inserted) loop.count.fetch_sub(1, std::memory_order_relaxed);
    return false;
  }
  if (inserted) loop.count.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void EventLoops::closeAll() {
  State& s = *state_;
  if (!s.running) return;
  s.closing = true;
  for (auto& loop : s.loops) {
    // Taken and let go so that a park() that passed its first check has finished: the loop's
    // sweep then sees its connection.
    { std::lock_guard<std::mutex> lock(loop->mutex); }
    s.reactor->post(loop->index, [] {});  // a round, and its closing sweep
  }
}

std::size_t EventLoops::closeOldest(std::size_t count) {
  State& s = *state_;
  if (count == 0 || !s.running) return 0;
  std::vector<Poco::Net::StreamSocket> to_expire;
  std::vector<bool> fresh;
  // Every loop's mutex, in order, so that the oldest are found across all of them.
  std::vector<std::unique_lock<std::mutex>> locks;
  for (auto& loop : s.loops) locks.emplace_back(loop->mutex);
  struct Candidate {
    Clock::time_point deadline;
    Loop* loop;
    int fd;
  };
  std::vector<Candidate> idle;
  for (auto& loop : s.loops) {
    for (const auto& [fd, entry] : loop->held) {
      // Idle ones only. Not a new one: it is a newcomer like the one room is made for, and may
      // have a request on its way that closing would lose, as one still arriving (awaiting) or
      // being answered (waiting) has.
      if (!entry.busy && !entry.sending && !entry.writing && !entry.fresh && !entry.waiting &&
          !entry.awaiting) {
        idle.push_back({entry.deadline, loop.get(), fd});
      }
    }
  }
  count = std::min(count, idle.size());
  // Connections are parked with the same keep-alive timeout, so the earliest deadline is the
  // one parked longest ago.
  std::partial_sort(idle.begin(), idle.begin() + static_cast<std::ptrdiff_t>(count), idle.end(),
                    [](const Candidate& a, const Candidate& b) { return a.deadline < b.deadline; });
  for (std::size_t i = 0; i < count; ++i) {
    Loop& loop = *idle[i].loop;
    auto it = loop.held.find(idle[i].fd);
    fresh.push_back(it->second.fresh);
    to_expire.push_back(loop.take(it));
  }
  locks.clear();
  for (std::size_t i = 0; i < to_expire.size(); ++i) {
    s.expire(to_expire[i], fresh[i], Why::kStopping);
  }
  return to_expire.size();
}

bool EventLoops::complete(const Ticket& ticket, Answer answer) {
  State& s = *state_;
  if (ticket.loop >= s.loops.size()) return false;
  Loop& loop = *s.loops[ticket.loop];
  std::vector<Loop::Expiry> expired;
  std::vector<Loop::Handing> handed;
  {
    std::lock_guard<std::mutex> lock(loop.mutex);
    auto it = loop.held.find(ticket.fd);
    if (it == loop.held.end() || !it->second.waiting || it->second.serial != ticket.serial) {
      return false;
    }
    Loop::Entry& entry = it->second;
    entry.waiting = false;
    entry.on_deadline = nullptr;
    loop.waiting.fetch_sub(1, std::memory_order_relaxed);
    if (loop.answered(ticket.fd, entry, std::move(answer), handed)) {
      loop.send(ticket.fd, entry, expired);
    }
  }
  for (auto& h : handed) s.hand_off(h.socket, h.fresh, h.deadline);
  for (auto& e : expired) s.expire(e.socket, e.fresh, e.why);
  return true;
}

std::size_t EventLoops::waiting() const {
  std::size_t total = 0;
  for (const auto& loop : state_->loops) total += loop->waiting.load(std::memory_order_relaxed);
  return total;
}

bool EventLoops::available() const { return state_->running; }

std::size_t EventLoops::size() const {
  std::size_t total = 0;
  for (const auto& loop : state_->loops) total += loop->count.load(std::memory_order_relaxed);
  return total;
}

int EventLoops::loops() const { return state_->count; }

}  // namespace cc::http
