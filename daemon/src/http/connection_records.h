#pragma once
// What a listener knows of each connection it accepted, from accept to close: the client's
// address and how many requests the connection has served.

#include <Poco/Net/IPAddress.h>
#include <Poco/Net/SocketImpl.h>

#include <array>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "common/clock.h"

namespace cc::http {

struct ConnectionRecord {
  std::optional<Poco::Net::IPAddress> peer;  // none for a Unix-domain client
  std::string peer_ip = "local";             // as the request context names it
  int served = 0;
  // When the request now arriving began to, if an event loop waited for its body.
  std::optional<common::SteadyTime> request_began;
};

/// The records of one listener's connections, keyed by the socket object, which lives until its
/// last holder lets go, so a key cannot be reused while a record still names it (a file
/// descriptor can be, as soon as it is closed). Split into shards, each behind its own mutex:
/// every request on every loop and worker looks its connection up, and one mutex for all of
/// them made the loops wait for each other. Thread-safe.
class ConnectionRecords {
 public:
  using Key = const Poco::Net::SocketImpl*;

  void add(Key key, ConnectionRecord record) {
    Shard& s = shard(key);
    std::lock_guard<std::mutex> lock(s.mutex);
    s.records.insert_or_assign(key, std::move(record));
  }
  /// Forgets the record; returns it, nullopt when there was none.
  std::optional<ConnectionRecord> remove(Key key) {
    Shard& s = shard(key);
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.records.find(key);
    if (it == s.records.end()) return std::nullopt;
    std::optional<ConnectionRecord> record = std::move(it->second);
    s.records.erase(it);
    return record;
  }
  /// `f(ConnectionRecord*)` with the record's shard locked; nullptr when there is none.
  template <typename F>
  auto with(Key key, F&& f) {
    Shard& s = shard(key);
    std::lock_guard<std::mutex> lock(s.mutex);
    auto it = s.records.find(key);
    return f(it == s.records.end() ? nullptr : &it->second);
  }

 private:
  static constexpr std::size_t kShards = 16;
  struct alignas(64) Shard {
    std::mutex mutex;
    std::unordered_map<Key, ConnectionRecord> records;
  };
  Shard& shard(Key key) {
    // Socket objects are heap blocks of the same size: the bits above the allocator's
    // alignment tell them apart.
    return shards_[(reinterpret_cast<std::uintptr_t>(key) >> 6) % kShards];
  }
  std::array<Shard, kShards> shards_;
};

}  // namespace cc::http
