#include "system/snapshot_builder.h"

#include <chrono>

#include "common/json_writer.h"

namespace cc::system {

using common::JsonWriter;
namespace {

uint64_t since(uint64_t after, uint64_t before) { return after > before ? after - before : 0; }

// Bytes per second between two cumulative counters; absent after a reset.
std::optional<double> rate(uint64_t before, uint64_t after, double seconds) {
  if (seconds <= 0 || after < before) return std::nullopt;
  return static_cast<double>(after - before) / seconds;
}

void writeUsage(JsonWriter& w, const std::optional<MemoryUsage>& m) {
  if (!m) {
    w.null();
    return;
  }
  w.beginObject()
      .key("total_bytes")
      .value(m->total_bytes)
      .key("available_bytes")
      .value(m->available_bytes)
      .key("used_bytes")
      .value(m->used_bytes)
      .key("percent")
      .value(m->percent)
      .endObject();
}

void writeOptional(JsonWriter& w, const std::optional<double>& v) {
  if (v) {
    w.value(*v);
  } else {
    w.null();
  }
}

void writeCpu(JsonWriter& w, const SystemSnapshot& s) {
  w.beginObject().key("percent");
  writeOptional(w, s.cpu_percent);
  w.key("per_core").beginArray();
  for (double p : s.cpu_per_core) w.value(p);
  w.endArray().endObject();
}

void writeLoad(JsonWriter& w, const SystemSnapshot& s) {
  if (!s.load) {
    w.null();
    return;
  }
  w.beginArray().value(s.load->one).value(s.load->five).value(s.load->fifteen).endArray();
}

void writeCounts(JsonWriter& w, const std::map<std::string, int>& counts) {
  w.beginObject();
  for (const auto& [state, n] : counts) w.key(state).value(n);
  w.endObject();
}

JsonWriter& begin(JsonWriter& w, const SystemSnapshot& s) {
  return w.beginObject().key("sampled_at").value(common::formatIsoTime(s.sampled_at_ms));
}

std::string infoJson(const SystemSnapshot& s) {
  std::string out;
  JsonWriter w(out);
  const HostInfo& h = s.host;
  begin(w, s)
      .key("hostname")
      .value(h.hostname)
      .key("os")
      .value(h.os)
      .key("kernel")
      .value(h.kernel)
      .key("architecture")
      .value(h.architecture)
      .key("cpu_model")
      .value(h.cpu_model)
      .key("cpu_count")
      .value(h.cpu_count)
      .key("memory_total_bytes")
      .value(h.memory_total_bytes)
      .key("boot_time");
  if (h.boot_time_ms > 0) {
    w.value(common::formatIsoTime(h.boot_time_ms));
  } else {
    w.null();
  }
  w.key("uptime_s");
  writeOptional(w, s.uptime_s);
  w.endObject();
  return out;
}

std::string statsJson(const SystemSnapshot& s) {
  std::string out;
  JsonWriter w(out);
  begin(w, s).key("cpu");
  writeCpu(w, s);
  w.key("memory");
  writeUsage(w, s.memory);
  w.key("swap");
  writeUsage(w, s.swap);
  w.key("load");
  writeLoad(w, s);
  w.key("uptime_s");
  writeOptional(w, s.uptime_s);
  w.endObject();
  return out;
}

std::string diskJson(const SystemSnapshot& s) {
  std::string out;
  JsonWriter w(out);
  begin(w, s).key("filesystems").beginArray();
  for (const Filesystem& f : s.filesystems) {
    w.beginObject()
        .key("mount")
        .value(f.mount)
        .key("device")
        .value(f.device)
        .key("fstype")
        .value(f.fstype)
        .key("total_bytes")
        .value(f.total_bytes)
        .key("used_bytes")
        .value(f.used_bytes)
        .key("free_bytes")
        .value(f.free_bytes)
        .key("percent")
        .value(f.percent)
        .key("read_bytes_per_s");
    writeOptional(w, f.read_bytes_per_s);
    w.key("write_bytes_per_s");
    writeOptional(w, f.write_bytes_per_s);
    w.endObject();
  }
  w.endArray().endObject();
  return out;
}

std::string networkJson(const SystemSnapshot& s) {
  std::string out;
  JsonWriter w(out);
  begin(w, s).key("interfaces").beginArray();
  for (const NetInterface& n : s.interfaces) {
    w.beginObject()
        .key("name")
        .value(n.name)
        .key("rx_bytes")
        .value(n.rx_bytes)
        .key("tx_bytes")
        .value(n.tx_bytes)
        .key("rx_bytes_per_s");
    writeOptional(w, n.rx_bytes_per_s);
    w.key("tx_bytes_per_s");
    writeOptional(w, n.tx_bytes_per_s);
    w.key("rx_errors")
        .value(n.rx_errors)
        .key("tx_errors")
        .value(n.tx_errors)
        .key("up")
        .value(n.up)
        .key("mtu")
        .value(n.mtu)
        .key("addresses")
        .beginArray();
    for (const auto& a : n.addresses) w.value(a);
    w.endArray().endObject();
  }
  w.endArray().key("connections").beginObject().key("tcp");
  writeCounts(w, s.connections.tcp);
  w.key("udp");
  writeCounts(w, s.connections.udp);
  w.endObject().endObject();
  return out;
}

std::string metricsFrame(const SystemSnapshot& s) {
  // Network totals leave out loopback: local chatter is not what a dashboard graphs.
  double rx = 0, tx = 0;
  bool any_rate = false;
  for (const NetInterface& n : s.interfaces) {
    if (n.name == "lo" || !n.rx_bytes_per_s || !n.tx_bytes_per_s) continue;
    rx += *n.rx_bytes_per_s;
    tx += *n.tx_bytes_per_s;
    any_rate = true;
  }
  std::string out;
  JsonWriter w(out);
  w.beginObject()
      .key("type")
      .value("metrics")
      .key("sampled_at")
      .value(common::formatIsoTime(s.sampled_at_ms))
      .key("cpu");
  writeCpu(w, s);
  w.key("memory");
  writeUsage(w, s.memory);
  w.key("load");
  writeLoad(w, s);
  w.key("network").beginObject().key("rx_bytes_per_s");
  writeOptional(w, any_rate ? std::optional<double>(rx) : std::nullopt);
  w.key("tx_bytes_per_s");
  writeOptional(w, any_rate ? std::optional<double>(tx) : std::nullopt);
  w.endObject().endObject();
  return out;
}

}  // namespace

std::optional<double> cpuPercent(const CpuTimes& before, const CpuTimes& after) {
  // Per-field deltas: iowait is known to step backwards on some kernels.
  uint64_t busy = since(after.user, before.user) + since(after.nice, before.nice) +
                  since(after.system, before.system) + since(after.irq, before.irq) +
                  since(after.softirq, before.softirq) + since(after.steal, before.steal);
  uint64_t idle = since(after.idle, before.idle) + since(after.iowait, before.iowait);
  if (busy + idle == 0) return std::nullopt;
  return 100.0 * static_cast<double>(busy) / static_cast<double>(busy + idle);
}

void serialiseSections(SystemSnapshot& snapshot) {
  snapshot.info_json = infoJson(snapshot);
  snapshot.stats_json = statsJson(snapshot);
  snapshot.disk_json = diskJson(snapshot);
  snapshot.network_json = networkJson(snapshot);
  snapshot.metrics_frame_json = metricsFrame(snapshot);
}

std::shared_ptr<const SystemSnapshot> SnapshotBuilder::build(RawSample raw,
                                                             common::SteadyTime taken_at,
                                                             int64_t wall_ms) {
  auto snap = std::make_shared<SystemSnapshot>();
  SystemSnapshot& s = *snap;
  s.sampled_at_ms = wall_ms;
  if (raw.host) s.host = std::move(*raw.host);
  s.memory = raw.memory;
  s.swap = raw.swap;
  s.load = raw.load;
  s.uptime_s = raw.uptime_s;
  s.filesystems = std::move(raw.filesystems);
  s.interfaces = std::move(raw.interfaces);
  s.connections = std::move(raw.connections);
  s.processes = std::move(raw.processes);
  s.errors = std::move(raw.errors);

  double seconds = 0;
  if (prev_) seconds = std::chrono::duration<double>(taken_at - prev_->at).count();
  bool deltas = prev_.has_value() && seconds > 0;

  if (deltas && raw.cpu_total && prev_->cpu_total) {
    s.cpu_percent = cpuPercent(*prev_->cpu_total, *raw.cpu_total);
  }
  // Per-core figures only when the set of CPUs stayed the same (hotplug changes it).
  if (deltas && raw.cpu_cores.size() == prev_->cpu_cores.size()) {
    for (std::size_t i = 0; i < raw.cpu_cores.size(); ++i) {
      s.cpu_per_core.push_back(cpuPercent(prev_->cpu_cores[i], raw.cpu_cores[i]).value_or(0.0));
    }
  }

  Previous next;
  next.at = taken_at;
  next.cpu_total = raw.cpu_total;
  next.cpu_cores = std::move(raw.cpu_cores);

  for (Filesystem& f : s.filesystems) {
    if (!f.read_bytes || !f.write_bytes) continue;
    next.disk_io[f.mount] = {*f.read_bytes, *f.write_bytes};
    if (!deltas) continue;
    auto it = prev_->disk_io.find(f.mount);
    if (it == prev_->disk_io.end()) continue;
    f.read_bytes_per_s = rate(it->second.first, *f.read_bytes, seconds);
    f.write_bytes_per_s = rate(it->second.second, *f.write_bytes, seconds);
  }

  for (NetInterface& n : s.interfaces) {
    next.net_io[n.name] = {n.rx_bytes, n.tx_bytes};
    if (!deltas) continue;
    auto it = prev_->net_io.find(n.name);
    if (it == prev_->net_io.end()) continue;
    n.rx_bytes_per_s = rate(it->second.first, n.rx_bytes, seconds);
    n.tx_bytes_per_s = rate(it->second.second, n.tx_bytes, seconds);
  }

  uint64_t mem_total = s.memory ? s.memory->total_bytes : s.host.memory_total_bytes;
  next.proc_cpu.reserve(s.processes.size());
  for (ProcessInfo& p : s.processes) {
    next.proc_cpu[p.pid] = {p.started_at_ms, p.cpu_time_ns};
    if (mem_total > 0) {
      p.memory_percent = 100.0 * static_cast<double>(p.rss_bytes) / static_cast<double>(mem_total);
    }
    if (!deltas) continue;
    auto it = prev_->proc_cpu.find(p.pid);
    if (it == prev_->proc_cpu.end() || it->second.first != p.started_at_ms) continue;
    p.cpu_percent =
        100.0 * static_cast<double>(since(p.cpu_time_ns, it->second.second)) / (seconds * 1e9);
  }

  prev_ = std::move(next);
  serialiseSections(s);
  return snap;
}

}  // namespace cc::system
