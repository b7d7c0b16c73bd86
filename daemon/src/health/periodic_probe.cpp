#include "health/periodic_probe.h"

#include <cstdio>
#include <exception>

namespace cc::health {

namespace {

std::string seconds(std::chrono::nanoseconds d) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f s", std::chrono::duration<double>(d).count());
  return text;
}

}  // namespace

PeriodicProbe::PeriodicProbe(std::string what, Probe probe, const common::Clock& clock,
                             Options options)
    : what_(std::move(what)), probe_(std::move(probe)), clock_(clock), options_(options) {}

PeriodicProbe::~PeriodicProbe() { stop(); }

void PeriodicProbe::start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { run(); });
}

void PeriodicProbe::stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void PeriodicProbe::run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    // Waits are in real time (as the sampler's): a fake clock only dates the outcomes.
    const auto next = std::chrono::steady_clock::now() + options_.interval;
    lock.unlock();
    probeOnce();
    lock.lock();
    wake_.wait_until(lock, next, [this] { return stopping_; });
  }
}

void PeriodicProbe::probeOnce() {
  std::lock_guard<std::mutex> one_at_a_time(probe_mu_);
  const common::SteadyTime start = clock_.now();
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = true;
    started_ = start;
  }
  common::Status status = common::Ok{};
  try {
    status = probe_(start + options_.timeout);
  } catch (const std::exception& e) {
    status = common::Error::dependencyUnavailable(std::string("probe failed: ") + e.what());
  } catch (...) {
    status = common::Error::dependencyUnavailable("probe failed");
  }
  bool turned = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_ = false;
    last_end_ = clock_.now();
    turned = last_.ok() != status.ok();
    ended_once_ = true;
    ++probes_total_;
    if (status.ok()) {
      failing_probes_ = 0;
    } else {
      ++failures_total_;
      if (failing_probes_++ == 0) failing_since_ms_ = clock_.wallMillis();
    }
    last_ = status;
  }
  if (turned && on_transition_) on_transition_(status);
}

CheckResult PeriodicProbe::check(common::SteadyTime now) const {
  std::lock_guard<std::mutex> lock(mu_);
  if (running_ && now - started_ > options_.timeout) {
    return {HealthStatus::kFail, what_ + ": no answer for " + seconds(now - started_) +
                                     " (the probe's limit is " +
                                     std::to_string(options_.timeout.count()) + " ms)"};
  }
  if (!ended_once_) return {HealthStatus::kPass, what_ + ": first probe running"};
  if (last_.ok()) {
    return {HealthStatus::kPass, what_ + " answered " + seconds(now - last_end_) +
                                     " ago (asked every " +
                                     std::to_string(options_.interval.count()) + " ms)"};
  }
  return {HealthStatus::kFail, what_ + ": " + last_.error().message + "; failing since " +
                                   common::formatIsoTime(failing_since_ms_) + " (" +
                                   std::to_string(failing_probes_) +
                                   (failing_probes_ == 1 ? " failed probe)" : " failed probes)")};
}

ProbeStats PeriodicProbe::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return {!ended_once_ || last_.ok(), probes_total_, failures_total_};
}

}  // namespace cc::health
