#include "service/sd_notify.h"

#include <algorithm>

namespace cc::service {
namespace {

// STATUS= is one assignment per line; an embedded newline would start a bogus assignment.
std::string oneLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  return text;
}

std::string withStatus(std::string message, const std::string& status) {
  if (!status.empty()) message += "\nSTATUS=" + oneLine(status);
  return message;
}

}  // namespace

common::Status Notifier::ready(const std::string& status) const {
  return notify(withStatus("READY=1", status));
}

common::Status Notifier::status(const std::string& text) const {
  return notify("STATUS=" + oneLine(text));
}

common::Status Notifier::reloading(const std::string& status) const {
  return notify(
      withStatus("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(monotonicMicros()), status));
}

common::Status Notifier::stopping(const std::string& status) const {
  return notify(withStatus("STOPPING=1", status));
}

common::Status Notifier::extendTimeout(std::chrono::microseconds usec) const {
  return notify("EXTEND_TIMEOUT_USEC=" + std::to_string(usec.count()));
}

common::Status Notifier::watchdog() const { return notify("WATCHDOG=1"); }

Watchdog::Watchdog(Notifier notifier, LivenessCheck alive)
    : Watchdog(notifier, notifier.watchdogInterval() / 2, std::move(alive)) {}

Watchdog::Watchdog(Notifier notifier, std::chrono::microseconds period, LivenessCheck alive)
    : notifier_(std::move(notifier)), period_(period), alive_(std::move(alive)) {}

Watchdog::~Watchdog() { stop(); }

bool Watchdog::start() {
  std::lock_guard<std::mutex> guard(mutex_);
  if (thread_.joinable()) return true;
  if (period_.count() <= 0 || !notifier_.enabled()) return false;
  stop_requested_ = false;
  thread_ = std::thread([this] { run(); });
  return true;
}

void Watchdog::stop() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> guard(mutex_);
    stop_requested_ = true;
    thread.swap(thread_);
  }
  wake_.notify_all();
  if (thread.joinable()) thread.join();
}

bool Watchdog::running() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return thread_.joinable();
}

bool Watchdog::tick() {
  // The check runs unlocked: a check that hangs must starve the pings, not stop() or stats().
  bool alive = alive_ ? alive_() : true;
  if (!alive) {
    std::lock_guard<std::mutex> guard(mutex_);
    ++stats_.missed;
    return false;
  }
  common::Status sent = notifier_.watchdog();
  std::lock_guard<std::mutex> guard(mutex_);
  if (!sent) {
    ++stats_.send_failures;
    stats_.last_error = sent.error().message;
    return false;
  }
  ++stats_.pings;
  return true;
}

Watchdog::Stats Watchdog::stats() const {
  std::lock_guard<std::mutex> guard(mutex_);
  return stats_;
}

void Watchdog::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!stop_requested_) {
    lock.unlock();
    tick();
    lock.lock();
    wake_.wait_for(lock, period_, [this] { return stop_requested_; });
  }
}

}  // namespace cc::service
