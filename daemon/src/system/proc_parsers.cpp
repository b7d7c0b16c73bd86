#include "system/proc_parsers.h"

#include <array>
#include <charconv>

namespace cc::system {
namespace {

bool isSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && isSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && isSpace(s.back())) s.remove_suffix(1);
  return s;
}

// Walks lines without copying; the last line may lack its '\n'.
class Lines {
 public:
  explicit Lines(std::string_view text) : rest_(text) {}
  bool next(std::string_view& line) {
    if (rest_.empty()) return false;
    std::size_t nl = rest_.find('\n');
    line = rest_.substr(0, nl);
    rest_.remove_prefix(nl == std::string_view::npos ? rest_.size() : nl + 1);
    return true;
  }

 private:
  std::string_view rest_;
};

// Whitespace-separated fields of one line.
class Fields {
 public:
  explicit Fields(std::string_view line) : rest_(line) {}
  bool next(std::string_view& field) {
    while (!rest_.empty() && isSpace(rest_.front())) rest_.remove_prefix(1);
    if (rest_.empty()) return false;
    std::size_t end = 0;
    while (end < rest_.size() && !isSpace(rest_[end])) ++end;
    field = rest_.substr(0, end);
    rest_.remove_prefix(end);
    return true;
  }
  std::string_view rest() const { return rest_; }

 private:
  std::string_view rest_;
};

template <class T>
bool toNumber(std::string_view s, T& out, int base = 10) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out, base);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool toDouble(std::string_view s, double& out) {
  if (s.empty()) return false;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && ptr == s.data() + s.size();
}

bool startsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::optional<CpuTimes> parseCpuLine(std::string_view rest) {
  std::array<uint64_t, 8> v{};
  Fields f(rest);
  std::string_view field;
  std::size_t n = 0;
  while (n < v.size() && f.next(field)) {
    if (!toNumber(field, v[n])) return std::nullopt;
    ++n;
  }
  if (n < 4) return std::nullopt;  // user nice system idle are there since Linux 2.4
  CpuTimes t;
  t.user = v[0];
  t.nice = v[1];
  t.system = v[2];
  t.idle = v[3];
  t.iowait = v[4];
  t.irq = v[5];
  t.softirq = v[6];
  t.steal = v[7];
  return t;
}

MemoryUsage usage(uint64_t total, uint64_t available) {
  MemoryUsage m;
  m.total_bytes = total;
  m.available_bytes = available < total ? available : total;
  m.used_bytes = total - m.available_bytes;
  m.percent =
      total == 0 ? 0.0 : 100.0 * static_cast<double>(m.used_bytes) / static_cast<double>(total);
  return m;
}

}  // namespace

std::string_view firstLine(std::string_view text) { return trim(text.substr(0, text.find('\n'))); }

std::optional<uint64_t> parseUnsigned(std::string_view text) {
  text = trim(text);
  int base = 10;
  if (startsWith(text, "0x") || startsWith(text, "0X")) {
    text.remove_prefix(2);
    base = 16;
  }
  uint64_t v = 0;
  if (!toNumber(text, v, base)) return std::nullopt;
  return v;
}

ProcStat parseProcStat(std::string_view text) {
  ProcStat out;
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    Fields f(line);
    std::string_view key;
    if (!f.next(key)) continue;
    if (key == "cpu") {
      out.total = parseCpuLine(f.rest());
    } else if (startsWith(key, "cpu")) {
      unsigned index = 0;
      if (!toNumber(key.substr(3), index)) continue;
      if (auto t = parseCpuLine(f.rest())) out.cores.push_back(*t);
    } else if (key == "btime") {
      std::string_view value;
      int64_t v = 0;
      if (f.next(value) && toNumber(value, v)) out.boot_time_s = v;
    }
  }
  return out;
}

std::optional<PidStat> parsePidStat(std::string_view text) {
  std::size_t open = text.find('(');
  std::size_t close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  PidStat s;
  if (!toNumber(trim(text.substr(0, open)), s.pid)) return std::nullopt;
  s.name.assign(text.substr(open + 1, close - open - 1));
  // Fields after the name, numbered as in proc(5): 3 state, 4 ppid, 14 utime, 15 stime,
  // 20 num_threads, 22 starttime, 24 rss.
  Fields f(text.substr(close + 1));
  std::string_view field;
  int index = 3;
  bool have_state = false;
  bool have_ppid = false;
  while (f.next(field) && index <= 24) {
    switch (index) {
      case 3:
        s.state = field[0];
        have_state = true;
        break;
      case 4:
        have_ppid = toNumber(field, s.ppid);
        break;
      case 14:
        toNumber(field, s.utime_ticks);
        break;
      case 15:
        toNumber(field, s.stime_ticks);
        break;
      case 20:
        toNumber(field, s.threads);
        break;
      case 22:
        toNumber(field, s.start_ticks);
        break;
      case 24:
        toNumber(field, s.rss_pages);
        break;
      default:
        break;
    }
    ++index;
  }
  if (!have_state || !have_ppid) return std::nullopt;
  return s;
}

std::optional<uint32_t> parseStatusUid(std::string_view text) {
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    if (!startsWith(line, "Uid:")) continue;
    Fields f(line.substr(4));
    std::string_view real, effective;
    uint32_t uid = 0;
    if (f.next(real) && f.next(effective) && toNumber(effective, uid)) return uid;
    if (toNumber(real, uid)) return uid;
    return std::nullopt;
  }
  return std::nullopt;
}

std::string parseCmdline(std::string_view raw, std::size_t max_bytes) {
  while (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
  if (raw.size() > max_bytes) {
    raw = raw.substr(0, max_bytes);
    // Do not leave half a UTF-8 sequence at the cut.
    std::size_t lead = raw.size();
    while (lead > 0 && raw.size() - lead < 4 &&
           (static_cast<unsigned char>(raw[lead - 1]) & 0xC0) == 0x80) {
      --lead;
    }
    if (lead > 0) {
      auto b = static_cast<unsigned char>(raw[lead - 1]);
      std::size_t want = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
      if (raw.size() - (lead - 1) < want) raw = raw.substr(0, lead - 1);
    }
  }
  std::string out(raw);
  for (char& c : out) {
    if (c == '\0') c = ' ';
  }
  return out;
}

Meminfo parseMeminfo(std::string_view text) {
  std::optional<uint64_t> mem_total, mem_available, mem_free, buffers, cached, swap_total,
      swap_free;
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = line.substr(0, colon);
    Fields f(line.substr(colon + 1));
    std::string_view number, unit;
    uint64_t v = 0;
    if (!f.next(number) || !toNumber(number, v)) continue;
    if (f.next(unit) && unit == "kB") v *= 1024;
    if (key == "MemTotal")
      mem_total = v;
    else if (key == "MemAvailable")
      mem_available = v;
    else if (key == "MemFree")
      mem_free = v;
    else if (key == "Buffers")
      buffers = v;
    else if (key == "Cached")
      cached = v;
    else if (key == "SwapTotal")
      swap_total = v;
    else if (key == "SwapFree")
      swap_free = v;
  }
  Meminfo out;
  if (mem_total) {
    uint64_t available = mem_available
                             ? *mem_available
                             : mem_free.value_or(0) + buffers.value_or(0) + cached.value_or(0);
    out.memory = usage(*mem_total, available);
  }
  if (swap_total) out.swap = usage(*swap_total, swap_free.value_or(0));
  return out;
}

std::optional<LoadAverage> parseLoadavg(std::string_view text) {
  Fields f(text);
  std::string_view a, b, c;
  LoadAverage l;
  if (!f.next(a) || !f.next(b) || !f.next(c)) return std::nullopt;
  if (!toDouble(a, l.one) || !toDouble(b, l.five) || !toDouble(c, l.fifteen)) return std::nullopt;
  return l;
}

std::optional<double> parseUptime(std::string_view text) {
  Fields f(text);
  std::string_view first;
  double v = 0;
  if (!f.next(first) || !toDouble(first, v)) return std::nullopt;
  return v;
}

std::string unescapeOctal(std::string_view text) {
  auto isOctal = [](char c) { return c >= '0' && c <= '7'; };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() && isOctal(text[i + 1]) && isOctal(text[i + 2]) &&
        isOctal(text[i + 3])) {
      unsigned v = static_cast<unsigned>(text[i + 1] - '0') * 64 +
                   static_cast<unsigned>(text[i + 2] - '0') * 8 +
                   static_cast<unsigned>(text[i + 3] - '0');
      if (v <= 0xff) {
        out.push_back(static_cast<char>(v));
        i += 3;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

std::vector<MountEntry> parseMountinfo(std::string_view text) {
  // id parent major:minor root mount options [optional fields...] - fstype source superoptions
  std::vector<MountEntry> out;
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    Fields f(line);
    std::string_view id, parent, devno, root, mount, field;
    if (!f.next(id) || !f.next(parent) || !f.next(devno) || !f.next(root) || !f.next(mount)) {
      continue;
    }
    bool separator = false;
    while (f.next(field)) {
      if (field == "-") {
        separator = true;
        break;
      }
    }
    std::string_view fstype, source;
    if (!separator || !f.next(fstype)) continue;
    if (!f.next(source)) source = "none";
    MountEntry e;
    std::size_t colon = devno.find(':');
    if (colon == std::string_view::npos || !toNumber(devno.substr(0, colon), e.major) ||
        !toNumber(devno.substr(colon + 1), e.minor)) {
      continue;
    }
    e.root = unescapeOctal(root);
    e.mount = unescapeOctal(mount);
    e.fstype = unescapeOctal(fstype);
    e.device = unescapeOctal(source);
    out.push_back(std::move(e));
  }
  return out;
}

std::vector<DiskCounters> parseDiskstats(std::string_view text) {
  // major minor name reads merged sectors_read ms writes merged sectors_written ...
  std::vector<DiskCounters> out;
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    Fields f(line);
    std::string_view major, minor, name, reads, merged, sectors_read, ms, writes, wmerged,
        sectors_written;
    if (!f.next(major) || !f.next(minor) || !f.next(name) || !f.next(reads) || !f.next(merged) ||
        !f.next(sectors_read) || !f.next(ms) || !f.next(writes) || !f.next(wmerged) ||
        !f.next(sectors_written)) {
      continue;
    }
    DiskCounters d;
    uint64_t sr = 0, sw = 0;
    if (!toNumber(major, d.major) || !toNumber(minor, d.minor) || !toNumber(sectors_read, sr) ||
        !toNumber(sectors_written, sw)) {
      continue;
    }
    d.name.assign(name);
    d.read_bytes = sr * 512;
    d.write_bytes = sw * 512;
    out.push_back(std::move(d));
  }
  return out;
}

std::vector<NetDevCounters> parseNetDev(std::string_view text) {
  std::vector<NetDevCounters> out;
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    // The two header lines hold '|' and no ':' before it; interface names never hold '|'.
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos || line.find('|') != std::string_view::npos) continue;
    std::array<uint64_t, 16> v{};
    Fields f(line.substr(colon + 1));
    std::string_view field;
    std::size_t n = 0;
    bool ok = true;
    while (n < v.size() && f.next(field)) {
      if (!toNumber(field, v[n])) {
        ok = false;
        break;
      }
      ++n;
    }
    if (!ok || n < 11) continue;  // rx: bytes packets errs drop fifo frame compressed multicast
    NetDevCounters c;
    c.name.assign(trim(line.substr(0, colon)));
    c.rx_bytes = v[0];
    c.rx_packets = v[1];
    c.rx_errors = v[2];
    c.tx_bytes = v[8];
    c.tx_packets = v[9];
    c.tx_errors = v[10];
    out.push_back(std::move(c));
  }
  return out;
}

std::string_view tcpStateName(unsigned state) {
  static constexpr std::array<std::string_view, 13> kNames = {
      "UNKNOWN", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT1", "FIN_WAIT2",   "TIME_WAIT",
      "CLOSE",   "CLOSE_WAIT",  "LAST_ACK", "LISTEN",   "CLOSING",   "NEW_SYN_RECV"};
  return state < kNames.size() ? kNames[state] : kNames[0];
}

void parseNetSockets(std::string_view text, std::map<std::string, int>& counts) {
  // "  sl  local_address rem_address   st ..." then "   0: 0100007F:0277 00000000:0000 0A ..."
  std::array<int, 13> by_state{};
  int unknown = 0;
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    Fields f(line);
    std::string_view slot, local, remote, state;
    if (!f.next(slot) || slot.back() != ':' || !f.next(local) || !f.next(remote) ||
        !f.next(state)) {
      continue;
    }
    unsigned st = 0;
    if (toNumber(state, st, 16) && st > 0 && st < by_state.size()) {
      ++by_state[st];
    } else {
      ++unknown;
    }
  }
  for (unsigned st = 1; st < by_state.size(); ++st) {
    if (by_state[st] > 0) counts[std::string(tcpStateName(st))] += by_state[st];
  }
  if (unknown > 0) counts["UNKNOWN"] += unknown;
}

std::string parseOsRelease(std::string_view text) {
  auto value = [](std::string_view v) {
    v = trim(v);
    std::string out;
    if (!v.empty() && (v.front() == '"' || v.front() == '\'')) {
      char quote = v.front();
      v.remove_prefix(1);
      std::size_t end = v.rfind(quote);
      if (end != std::string_view::npos) v = v.substr(0, end);
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (v[i] == '\\' && i + 1 < v.size()) ++i;
      out.push_back(v[i]);
    }
    return out;
  };
  std::string name;
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    line = trim(line);
    if (startsWith(line, "PRETTY_NAME=")) return value(line.substr(12));
    if (startsWith(line, "NAME=")) name = value(line.substr(5));
  }
  return name;
}

std::optional<std::string> parsePasswdName(std::string_view text, uint32_t uid) {
  // name:password:uid:gid:gecos:home:shell
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    std::size_t c1 = line.find(':');
    if (c1 == std::string_view::npos || line.empty() || line.front() == '#') continue;
    std::size_t c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    std::size_t c3 = line.find(':', c2 + 1);
    uint32_t v = 0;
    if (toNumber(line.substr(c2 + 1, c3 == std::string_view::npos ? c3 : c3 - c2 - 1), v) &&
        v == uid) {
      return std::string(line.substr(0, c1));
    }
  }
  return std::nullopt;
}

std::string parseCpuinfoModel(std::string_view text) {
  std::string fallback;
  Lines lines(text);
  std::string_view line;
  while (lines.next(line)) {
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view key = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (value.empty()) continue;
    if (key == "model name") return std::string(value);
    if (fallback.empty() && (key == "Hardware" || key == "Processor" || key == "cpu model" ||
                             key == "uarch" || key == "cpu")) {
      fallback.assign(value);
    }
  }
  return fallback;
}

}  // namespace cc::system
