#include "client/load_runner.h"

#include <Poco/Exception.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/NullStream.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <exception>
#include <memory>
#include <thread>

#include "client/api_client.h"
#include "client/json_fields.h"

namespace cc::ctl::client {
namespace {

std::string replaceAll(std::string text, const std::string& from, const std::string& to) {
  for (std::size_t pos = text.find(from); pos != std::string::npos;
       pos = text.find(from, pos + to.size())) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

}  // namespace

LoadOutcome outcomeForStatus(int status) {
  if (status == 429) return LoadOutcome::kRateLimited;
  if (status >= 500) return LoadOutcome::kServerError;
  if (status >= 400) return LoadOutcome::kClientError;
  return LoadOutcome::kOk;
}

void EndpointStats::add(LoadOutcome outcome, uint64_t micros) {
  ++requests;
  switch (outcome) {
    case LoadOutcome::kOk:
      ++ok;
      break;
    case LoadOutcome::kRateLimited:
      ++rate_limited;
      break;
    case LoadOutcome::kClientError:
      ++client_errors;
      break;
    case LoadOutcome::kServerError:
      ++server_errors;
      break;
    case LoadOutcome::kTimeout:
      ++timeouts;
      return;
    case LoadOutcome::kError:
      ++errors;
      return;
  }
  latency.record(micros);
}

void EndpointStats::merge(const EndpointStats& other) {
  requests += other.requests;
  ok += other.ok;
  rate_limited += other.rate_limited;
  client_errors += other.client_errors;
  server_errors += other.server_errors;
  timeouts += other.timeouts;
  errors += other.errors;
  latency.merge(other.latency);
}

double EndpointStats::successRatio() const {
  return requests == 0 ? 0.0 : static_cast<double>(ok) / static_cast<double>(requests);
}

LoadRunner::LoadRunner(LoadPlan plan, const common::Clock& clock)
    : plan_(std::move(plan)), clock_(clock) {
  for (const auto& group : plan_.scenario.groups) {
    for (const auto& step : group.cycle) {
      if (std::find(labels_.begin(), labels_.end(), step.label()) == labels_.end()) {
        labels_.push_back(step.label());
      }
    }
  }
}

std::size_t LoadRunner::labelIndex(const std::string& label) const {
  return static_cast<std::size_t>(std::find(labels_.begin(), labels_.end(), label) -
                                  labels_.begin());
}

bool LoadRunner::claim(int64_t n) {
  if (plan_.requests <= 0) return clock_.now() < deadline_;
  int64_t left = budget_.load();
  while (left >= n) {
    if (budget_.compare_exchange_weak(left, left - n)) return true;
  }
  return false;
}

LoadProgress LoadRunner::progress() const {
  LoadProgress p;
  p.done = done_.load();
  p.failed = failed_.load();
  const int64_t start_ns = start_ns_.load();
  if (start_ns != 0) {
    p.elapsed_s = static_cast<double>(clock_.now().time_since_epoch().count() - start_ns) / 1e9;
  }
  return p;
}

void LoadRunner::runUser(const UserGroup& group, int user, std::vector<EndpointStats>& stats) {
  std::vector<Action> actions;
  for (std::size_t i = 0; i < group.cycle.size(); ++i) {
    Action action{{i}};
    if (group.cycle[i].creates && i + 1 < group.cycle.size()) action.steps.push_back(++i);
    actions.push_back(std::move(action));
  }
  if (actions.empty()) return;

  const Poco::Timespan timeout(static_cast<Poco::Timespan::TimeDiff>(plan_.timeout.count()) * 1000);
  Poco::Net::HTTPClientSession session(plan_.target.host, plan_.target.port);
  session.setKeepAlive(true);
  session.setTimeout(timeout, timeout, timeout);

  std::size_t next = static_cast<std::size_t>(user) % actions.size();
  std::size_t refused_in_a_row = 0;  // budget left but too small for the next action
  while (refused_in_a_row < actions.size()) {
    const Action& action = actions[next];
    next = (next + 1) % actions.size();
    if (!claim(static_cast<int64_t>(action.steps.size()))) {
      if (plan_.requests <= 0 || budget_.load() == 0) break;
      ++refused_in_a_row;
      continue;
    }
    refused_in_a_row = 0;
    if (plan_.rate > 0) {
      const uint64_t slot = sequence_.fetch_add(action.steps.size());
      const auto at = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                   std::chrono::duration<double>(slot / plan_.rate));
      const auto wait = at - clock_.now();
      if (wait.count() > 0) std::this_thread::sleep_for(wait);
    }
    std::string created_id;
    for (std::size_t step_index : action.steps) {
      const LoadStep& step = group.cycle[step_index];
      if (step.path.find("{id}") != std::string::npos && created_id.empty()) break;
      const std::string path = replaceAll(step.path, "{id}", created_id);
      const std::string body =
          replaceAll(step.body, "{n}", std::to_string(serial_.fetch_add(1) + 1));
      Poco::Net::HTTPRequest request(step.method, path, Poco::Net::HTTPMessage::HTTP_1_1);
      request.setKeepAlive(true);
      request.set("Authorization", "Bearer " + plan_.token);
      request.set("Accept", "application/json");
      if (!body.empty()) {
        request.setContentType("application/json");
        request.setContentLength(static_cast<std::streamsize>(body.size()));
      }
      LoadOutcome outcome = LoadOutcome::kError;
      uint64_t micros = 0;
      const auto began = clock_.now();
      try {
        session.sendRequest(request) << body;
        Poco::Net::HTTPResponse response;
        std::istream& in = session.receiveResponse(response);
        std::string answer;
        if (step.creates) {
          Poco::StreamCopier::copyToString(in, answer);
        } else {
          Poco::NullOutputStream discard;
          Poco::StreamCopier::copyStream(in, discard);
        }
        micros = static_cast<uint64_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(clock_.now() - began).count());
        outcome = outcomeForStatus(static_cast<int>(response.getStatus()));
        if (step.creates && outcome == LoadOutcome::kOk) {
          auto json = parseJson(answer);
          if (!json.isEmpty() && json.type() == typeid(Poco::JSON::Object::Ptr)) {
            created_id = text(json.extract<Poco::JSON::Object::Ptr>(), "id");
          }
        }
      } catch (const Poco::TimeoutException&) {
        outcome = LoadOutcome::kTimeout;
        session.reset();
      } catch (const Poco::Exception&) {
        outcome = LoadOutcome::kError;
        session.reset();
      }
      stats[labelIndex(step.label())].add(outcome, micros);
      done_.fetch_add(1);
      if (outcome != LoadOutcome::kOk) failed_.fetch_add(1);
    }
  }
}

LoadReport LoadRunner::run() {
  budget_ = plan_.requests;
  start_ = clock_.now();
  start_ns_ = start_.time_since_epoch().count();
  deadline_ = start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                           std::chrono::duration<double>(plan_.duration_s));

  std::vector<std::vector<EndpointStats>> per_user;
  std::vector<std::pair<const UserGroup*, int>> users;
  for (const auto& group : plan_.scenario.groups) {
    for (int u = 0; u < group.users; ++u) users.emplace_back(&group, u);
  }
  per_user.resize(users.size(), std::vector<EndpointStats>(labels_.size()));
  std::vector<std::thread> threads;
  threads.reserve(users.size());
  for (std::size_t i = 0; i < users.size(); ++i) {
    threads.emplace_back([this, &users, &per_user, i] {
      try {
        runUser(*users[i].first, users[i].second, per_user[i]);
      } catch (const std::exception&) {
        // A user that cannot even build its session stops; what it counted still counts.
      }
    });
  }
  for (auto& thread : threads) thread.join();

  LoadReport report;
  report.duration_s = std::chrono::duration<double>(clock_.now() - start_).count();
  report.total.endpoint = "total";
  for (std::size_t e = 0; e < labels_.size(); ++e) {
    EndpointStats merged;
    merged.endpoint = labels_[e];
    for (const auto& stats : per_user) merged.merge(stats[e]);
    report.total.merge(merged);
    report.endpoints.push_back(std::move(merged));
  }
  return report;
}

}  // namespace cc::ctl::client
