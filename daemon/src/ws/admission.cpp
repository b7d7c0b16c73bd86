#include "ws/admission.h"

namespace cc::ws {

Admission::Ticket& Admission::Ticket::operator=(Ticket&& other) noexcept {
  if (this != &other) {
    release();
    owner_ = other.owner_;
    endpoint_ = other.endpoint_;
    client_ = std::move(other.client_);
    other.owner_ = nullptr;
  }
  return *this;
}

void Admission::Ticket::release() {
  if (owner_ == nullptr) return;
  owner_->release(endpoint_, client_);
  owner_ = nullptr;
}

common::Result<Admission::Ticket> Admission::admit(Endpoint endpoint, const std::string& client) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_) {
    return common::Error::unavailable(common::ErrorCode::kUnavailable, "the server is stopping");
  }
  if (total_ >= max_total_) {
    return common::Error::unavailable(
        common::ErrorCode::kUnavailable,
        "too many WebSocket connections (ws.max_connections = " + std::to_string(max_total_) + ")");
  }
  int& mine = per_client_[client];
  if (mine >= max_per_client_) {
    return common::Error::unavailable(
        common::ErrorCode::kRateLimited,
        "too many WebSocket connections from " + client +
            " (ws.max_connections_per_client = " + std::to_string(max_per_client_) + ")");
  }
  ++mine;
  ++total_;
  ++per_endpoint_[static_cast<int>(endpoint)];
  return Ticket(this, endpoint, client);
}

void Admission::release(Endpoint endpoint, const std::string& client) {
  std::lock_guard<std::mutex> lock(mutex_);
  --total_;
  --per_endpoint_[static_cast<int>(endpoint)];
  auto it = per_client_.find(client);
  if (it != per_client_.end() && --it->second <= 0) per_client_.erase(it);
}

void Admission::close() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
}

int Admission::current(Endpoint endpoint) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return per_endpoint_[static_cast<int>(endpoint)];
}

int Admission::total() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return total_;
}

int Admission::ofClient(const std::string& client) const {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = per_client_.find(client);
  return it == per_client_.end() ? 0 : it->second;
}

}  // namespace cc::ws
