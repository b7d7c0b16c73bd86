// The /proc, /sys and /etc text parsers. The first byte picks the parser, the rest is the file.

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "fuzz_check.h"
#include "system/proc_parsers.h"

namespace {

using namespace cc::system;

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

void checkUsage(const std::optional<MemoryUsage>& m) {
  if (!m) return;
  FUZZ_CHECK(m->available_bytes <= m->total_bytes);
  FUZZ_CHECK(m->used_bytes + m->available_bytes == m->total_bytes);
  FUZZ_CHECK(m->percent >= 0.0 && m->percent <= 100.0);
}

void checkCmdline(std::string_view text) {
  // The cut length comes from the input too, so short cuts land inside multi-byte sequences.
  std::size_t max_bytes = text.empty() ? 0 : static_cast<unsigned char>(text[0]);
  std::string_view raw = text.empty() ? text : text.substr(1);
  std::string out = parseCmdline(raw, max_bytes);
  FUZZ_CHECK(out.size() <= raw.size());
  FUZZ_CHECK(out.find('\0') == std::string::npos);
  std::size_t kept = raw.size();
  while (kept > 0 && raw[kept - 1] == '\0') --kept;
  if (kept <= max_bytes) {
    FUZZ_CHECK(out.size() == kept);
  } else {
    // Cut: at most the bytes of one UTF-8 sequence are dropped before max_bytes.
    FUZZ_CHECK(out.size() <= max_bytes && out.size() + 4 > max_bytes);
  }
}

void checkUnsigned(std::string_view text) {
  auto v = parseUnsigned(text);
  if (!v) return;
  std::string_view t = text;
  while (!t.empty() && isSpace(t.front())) t.remove_prefix(1);
  while (!t.empty() && isSpace(t.back())) t.remove_suffix(1);
  bool hex = t.size() > 1 && t[0] == '0' && (t[1] == 'x' || t[1] == 'X');
  if (!hex && t.find_first_not_of('0') != std::string_view::npos && t.front() != '0') {
    FUZZ_CHECK(std::to_string(*v) == t);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 16) {
    case 0: {
      ProcStat s = parseProcStat(text);
      FUZZ_CHECK(s.cores.size() <= text.size());
      break;
    }
    case 1: {
      auto s = parsePidStat(text);
      if (s) {
        FUZZ_CHECK(s->name.size() < text.size());
        FUZZ_CHECK(text.find(s->name) != std::string_view::npos);
        FUZZ_CHECK(s->state != '\0' || text.find('\0') != std::string_view::npos);
      }
      break;
    }
    case 2:
      parseStatusUid(text);
      break;
    case 3:
      checkCmdline(text);
      break;
    case 4: {
      Meminfo m = parseMeminfo(text);
      checkUsage(m.memory);
      checkUsage(m.swap);
      break;
    }
    case 5:
      parseLoadavg(text);
      parseUptime(text);
      break;
    case 6:
      for (const auto& e : parseMountinfo(text)) {
        FUZZ_CHECK(!e.fstype.empty() && !e.mount.empty() && !e.root.empty());
      }
      break;
    case 7: {
      std::string out = unescapeOctal(text);
      FUZZ_CHECK(out.size() <= text.size());
      if (text.find('\\') == std::string_view::npos) FUZZ_CHECK(out == text);
      break;
    }
    case 8:
      for (const auto& d : parseDiskstats(text)) FUZZ_CHECK(!d.name.empty());
      break;
    case 9:
      for (const auto& c : parseNetDev(text)) {
        FUZZ_CHECK(c.name.find(':') == std::string::npos);
        FUZZ_CHECK(c.name.find('\n') == std::string::npos);
      }
      break;
    case 10: {
      std::map<std::string, int> counts;
      parseNetSockets(text, counts);
      for (const auto& [state, n] : counts) {
        FUZZ_CHECK(n > 0);
        bool known = state == "UNKNOWN";
        for (unsigned st = 1; st < 13; ++st) known = known || tcpStateName(st) == state;
        FUZZ_CHECK(known);
      }
      break;
    }
    case 11:
      parseOsRelease(text);
      break;
    case 12: {
      std::string model = parseCpuinfoModel(text);
      FUZZ_CHECK(model.find('\n') == std::string::npos);
      break;
    }
    case 13: {
      uint32_t uid = text.empty() ? 0 : static_cast<unsigned char>(text[0]);
      auto name = parsePasswdName(text, uid);
      if (name) FUZZ_CHECK(name->find(':') == std::string::npos);
      break;
    }
    case 14:
      checkUnsigned(text);
      break;
    case 15: {
      std::string_view line = firstLine(text);
      FUZZ_CHECK(line.find('\n') == std::string_view::npos);
      if (!line.empty()) FUZZ_CHECK(!isSpace(line.front()) && !isSpace(line.back()));
      tcpStateName(text.empty() ? 0u : static_cast<unsigned char>(text[0]));
      break;
    }
  }
  return 0;
}
