#include "system/system_sampler.h"

#include <algorithm>
#include <exception>

namespace cc::system {

SamplerSettings SamplerSettings::fromConfig(const config::Config& config) {
  SamplerSettings s;
  s.interval = common::Millis(config.getInt("system.sample_interval_ms"));
  s.proc_root = config.getString("system.proc_root");
  s.connections_interval = common::Millis(config.getInt("system.connections_interval_ms"));
  return s;
}

SystemSampler::SystemSampler(std::unique_ptr<HostProbe> probe, const common::Clock& clock,
                             common::Millis interval)
    : probe_(std::move(probe)), clock_(clock), interval_(interval) {}

SystemSampler::~SystemSampler() { stop(); }

void SystemSampler::start() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run(); });
}

void SystemSampler::stop() {
  std::thread thread;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    thread = std::move(thread_);
  }
  wake_.notify_all();
  if (thread.joinable()) thread.join();
}

void SystemSampler::setInterval(common::Millis interval) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    interval_ = interval;
    interval_changed_ = true;
  }
  wake_.notify_all();
}

common::Millis SystemSampler::interval() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return interval_;
}

void SystemSampler::sampleOnce() {
  std::lock_guard<std::mutex> round(round_mutex_);
  common::SteadyTime start = clock_.now();
  int64_t wall_ms = clock_.wallMillis();
  std::shared_ptr<const SystemSnapshot> snap;
  std::map<std::string, std::string> errors;
  try {
    snap = builder_.build(probe_->sample(), start, wall_ms);
    errors = snap->errors;
  } catch (const std::exception& e) {
    errors["round"] = e.what();
  } catch (...) {
    errors["round"] = "unknown exception";
  }
  common::SteadyTime end = clock_.now();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (snap) {
      snapshot_ = std::move(snap);
      last_success_ms_ = wall_ms;
      last_round_end_ = end;
    }
    last_round_duration_ = std::chrono::duration_cast<common::Millis>(end - start);
    last_errors_ = std::move(errors);
    ++rounds_;
  }
  finished_.notify_all();
}

void SystemSampler::run() {
  for (bool priming = true;; priming = false) {
    auto started = std::chrono::steady_clock::now();
    sampleOnce();
    std::unique_lock<std::mutex> lock(mutex_);
    interval_changed_ = false;
    // Fixed rate: the next round is due one interval after this one started. A new interval
    // re-times the wait from the same start. The first round only primes the deltas.
    while (!stopping_) {
      auto due = started + (priming ? std::min(interval_, kPrimingInterval) : interval_);
      if (wake_.wait_until(lock, due, [this] { return stopping_ || interval_changed_; })) {
        if (stopping_) break;
        interval_changed_ = false;
        continue;
      }
      break;
    }
    if (stopping_) return;
  }
}

std::shared_ptr<const SystemSnapshot> SystemSampler::snapshot() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return snapshot_;
}

bool SystemSampler::waitForRounds(uint64_t rounds, common::Millis timeout) const {
  std::unique_lock<std::mutex> lock(mutex_);
  return finished_.wait_for(lock, timeout, [&] { return rounds_ >= rounds; });
}

SamplerHealth SystemSampler::health(common::SteadyTime now) const {
  std::lock_guard<std::mutex> lock(mutex_);
  SamplerHealth h;
  h.last_round_duration = last_round_duration_;
  h.last_success_ms = last_success_ms_;
  h.rounds = rounds_;
  h.errors = last_errors_;
  std::string message;
  auto add = [&](const std::string& why) { message += (message.empty() ? "" : "; ") + why; };
  if (!snapshot_) {
    add("no snapshot yet");
  } else if (now - last_round_end_ > 3 * interval_) {
    add("last snapshot is " +
        std::to_string(std::chrono::duration_cast<common::Millis>(now - last_round_end_).count()) +
        " ms old (interval " + std::to_string(interval_.count()) + " ms)");
  }
  if (last_round_duration_ > interval_) {
    add("last round took " + std::to_string(last_round_duration_.count()) +
        " ms, longer than the interval of " + std::to_string(interval_.count()) + " ms");
  }
  for (const auto& [section, error] : last_errors_) add(section + ": " + error);
  h.status = message.empty() ? SamplerHealth::Status::kPass : SamplerHealth::Status::kWarn;
  h.message = message.empty() ? "ok" : message;
  return h;
}

}  // namespace cc::system
