// What a Redis server (or anything on its socket) sends the bus's subscriber: bytes in reads of a
// fuzzed size through shared_state::RespReader, and every bulk string it yields, as a message's
// payload, through decodeBusMessages.

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_check.h"
#include "shared_state/bus_message.h"
#include "shared_state/resp.h"

namespace {

using cc::shared_state::BusMessage;
using cc::shared_state::RespValue;

void checkPayload(const std::string& payload) {
  auto decoded = cc::shared_state::decodeBusMessages(payload);
  if (!decoded) return;
  FUZZ_CHECK(!decoded->first.empty());
  FUZZ_CHECK(!decoded->second.empty());
  std::size_t values = 0;
  for (const BusMessage& m : decoded->second) values += m.value.size();
  FUZZ_CHECK(values <= payload.size());
  // What decodes encodes back to the same payload.
  FUZZ_CHECK(cc::shared_state::encodeBusMessages(decoded->first, decoded->second) == payload);
}

void walk(const RespValue& v, int depth) {
  FUZZ_CHECK(depth <= 9);
  if (v.type == RespValue::Type::kBulk) checkPayload(v.text);
  for (const auto& item : v.items) walk(item, depth + 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::size_t read_size = 1 + data[0];
  ++data;
  --size;
  checkPayload(std::string(reinterpret_cast<const char*>(data), size));
  constexpr std::size_t kLimit = 4096;
  cc::shared_state::RespReader reader(kLimit);
  bool failed = false;
  for (std::size_t off = 0; off < size; off += read_size) {
    std::size_t n = std::min(read_size, size - off);
    reader.feed(std::string_view(reinterpret_cast<const char*>(data) + off, n));
    while (auto v = reader.next()) {
      FUZZ_CHECK(!failed);
      walk(*v, 0);
    }
    if (!reader.failed().empty()) failed = true;
    // Once failed, it stays failed.
    FUZZ_CHECK(!failed || !reader.failed().empty());
  }
  return 0;
}
