#!/usr/bin/env python3
"""Turns bench/results/raw.jsonl (one JSON object per run) into the markdown tables of
docs/benchmarks.md: medians over runs, ratios computed within the same run set."""
import json, platform, statistics, subprocess, sys
from collections import defaultdict

runs = defaultdict(list)
for line in open(sys.argv[1]):
    line = line.strip()
    if line:
        d = json.loads(line)
        runs[(d["bench"], d["target"], d["conns"])].append(d)


def med(key, field):
    vals = [r[field] for r in runs.get(key, []) if isinstance(r.get(field), (int, float))]
    return statistics.median(vals) if vals else None


def errs(key):
    fields = ("connect_errors", "read_errors", "write_errors", "timeouts", "non2xx")
    return max((sum(r.get(f, 0) for f in fields) for r in runs.get(key, [])), default=None)


def f(v, nd=0):
    return "n/a" if v is None else f"{v:,.{nd}f}"


cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
mem = int(next(l.split()[1] for l in open("/proc/meminfo") if l.startswith("MemTotal"))) // 1024 // 1024
n = len(runs.get(("health", "controlcenterd", 150), []))
print(f"Machine: {platform.machine()}, {subprocess.getoutput('nproc')} cores ({cpu}), {mem} GiB, "
      f"Linux {platform.release()}; load generator on the same machine. Medians of {n} runs.\n")

print("### /health beside nginx (fixed 200)\n")
print("| connections | controlcenterd req/s | p99 ms | nginx req/s | p99 ms | ours / nginx | errors (ours) |")
print("| --- | --- | --- | --- | --- | --- | --- |")
for c in (10, 150):
    o, g = ("health", "controlcenterd", c), ("health", "nginx", c)
    ratio = med(o, "rps") / med(g, "rps") if med(o, "rps") and med(g, "rps") else None
    print(f"| {c} | {f(med(o,'rps'))} | {f(med(o,'p99_ms'),2)} | {f(med(g,'rps'))} | {f(med(g,'p99_ms'),2)} | {f(ratio,2)} | {errs(o)} |")

print("\n### System endpoints beside Glances and node_exporter (100 connections)\n")
print("| endpoint | req/s | p99 ms | errors | Glances equivalent req/s | p99 ms | errors | ours / Glances |")
print("| --- | --- | --- | --- | --- | --- | --- | --- |")
for ep in ("processes", "network", "stats"):
    o, g = (f"system-{ep}", "controlcenterd", 100), (f"system-{ep}", "glances", 100)
    ratio = med(o, "rps") / med(g, "rps") if med(o, "rps") and med(g, "rps") else None
    print(f"| /api/system/{ep} | {f(med(o,'rps'))} | {f(med(o,'p99_ms'),2)} | {errs(o)} | "
          f"{f(med(g,'rps'))} | {f(med(g,'p99_ms'),2)} | {errs(g) if g in runs else 'n/a'} | {f(ratio,1)} |")
ne, om = ("system-metrics", "node_exporter", 100), ("metrics", "controlcenterd", 100)
print(f"\nnode_exporter full scrape (/metrics): {f(med(ne,'rps'))} req/s, p99 {f(med(ne,'p99_ms'),2)} ms; "
      f"controlcenterd /metrics: {f(med(om,'rps'))} req/s, p99 {f(med(om,'p99_ms'),2)} ms "
      "(different content: node_exporter reads the host on every scrape, we read a snapshot).")

print("\n### The replaced system's scenarios (controlcenterctl loadtest)\n")
print("| scenario | rate limits | requests | ok | 429 | 5xx | timeouts | errors | req/s | p50 ms | p95 ms | p99 ms |")
print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
for name in ("rapid-fire", "sustained", "mixed"):
    for lim in ("off", "on"):
        k = (f"scenario-{name}-{lim}", "controlcenterd", 0)
        print(f"| {name} | {lim} | {f(med(k,'requests'))} | {f(med(k,'ok'))} | {f(med(k,'rate_limited'))} | "
              f"{f(med(k,'server_errors'))} | {f(med(k,'timeouts'))} | {f(med(k,'errors'))} | {f(med(k,'rps'))} | "
              f"{f(med(k,'p50_ms'),1)} | {f(med(k,'p95_ms'),1)} | {f(med(k,'p99_ms'),1)} |")
print("\nThe replaced backend, same scenarios (its report): P95 30,976 ms, mean 3,815 ms, 59% timeouts; "
      "140, 7.9 and 4.7 req/s.")

s = ("store-mixed", "controlcenterd", 150)
print("\n### Store under 150 keep-alive clients mixing reads and writes\n")
print(f"requests {f(med(s,'requests'))}, ok {f(med(s,'ok'))}, 5xx {f(med(s,'server_errors'))}, "
      f"errors {f(med(s,'errors'))}, {f(med(s,'rps'))} req/s, p50 {f(med(s,'p50_ms'),1)} ms, "
      f"p95 {f(med(s,'p95_ms'),1)} ms, p99 {f(med(s,'p99_ms'),1)} ms.")

tv, st, rj = ("token-validate", "controlcenterd", 100), ("system-stats", "controlcenterd", 100), ("reject-429", "controlcenterd", 100)
print("\n### Token validation and the cost of a rejection (100 connections)\n")
print("| request | req/s | p50 ms | p99 ms |")
print("| --- | --- | --- | --- |")
print(f"| GET /api/auth/validate (token check from the cache) | {f(med(tv,'rps'))} | {f(med(tv,'p50_ms'),3)} | {f(med(tv,'p99_ms'),2)} |")
print(f"| GET /api/system/stats, served | {f(med(st,'rps'))} | {f(med(st,'p50_ms'),3)} | {f(med(st,'p99_ms'),2)} |")
print(f"| GET /api/system/stats, every one rejected 429 | {f(med(rj,'rps'))} | {f(med(rj,'p50_ms'),3)} | {f(med(rj,'p99_ms'),2)} |")
ag, agr = ("agents-served", "controlcenterd", 100), ("agents-rejected", "controlcenterd", 100)
print(f"| GET /api/agents (store), served | {f(med(ag,'rps'))} | {f(med(ag,'p50_ms'),3)} | {f(med(ag,'p99_ms'),2)} |")
print(f"| GET /api/agents (store), every one rejected 429 | {f(med(agr,'rps'))} | {f(med(agr,'p50_ms'),3)} | {f(med(agr,'p99_ms'),2)} |")

ws = ("ws-fanout", "controlcenterd", 1000)
print("\n### WebSocket fan-out\n")
print(f"{f(med(ws,'connected'))} of 1,000 subscribers connected; {f(med(ws,'frames_received_by_all'))} of "
      f"{f(med(ws,'frames'))} frames reached every subscriber; fan-out spread p50 {f(med(ws,'fanout_ms_p50'),2)} ms, "
      f"p99 {f(med(ws,'fanout_ms_p99'),2)} ms, max {f(med(ws,'fanout_ms_max'),2)} ms; daemon threads during the run: "
      f"{f(med(ws,'threads'))}.")

ik = ("idle-keepalive", "controlcenterd", 1000)
print("\n### 1,000 idle keep-alive clients\n")
print(f"{f(med(ik,'first_ok'))} of 1,000 connections served and left open; while they idle, "
      f"{f(med(ik,'connections_idle'))} are parked and {f(med(ik,'connections_active'))} hold a worker; the daemon has "
      f"{f(med(ik,'threads_idle'))} threads (before: {f(med(ik,'threads_before'))}; pool threads started during the "
      f"burst stay idle in the pool for a minute) and RSS "
      f"{f(med(ik,'rss_kb_idle')/1024 if med(ik,'rss_kb_idle') else None,1)} MiB "
      f"(before: {f(med(ik,'rss_kb_before')/1024 if med(ik,'rss_kb_before') else None,1)} MiB); a newcomer is answered "
      f"{f(med(ik,'newcomer_status'))} in {f(med(ik,'newcomer_ms'),2)} ms; {f(med(ik,'again_ok'))} of 1,000 then served "
      f"again on their own connections.")

idle, loaded, ready = ("idle", "controlcenterd", 0), ("loaded", "controlcenterd", 150), ("ready", "controlcenterd", 0)
print("\n### Footprint\n")
print(f"RSS idle {f(med(idle,'rss_kb')/1024 if med(idle,'rss_kb') else None,1)} MiB, after the /health runs "
      f"{f(med(loaded,'rss_kb')/1024 if med(loaded,'rss_kb') else None,1)} MiB; threads idle {f(med(idle,'threads'))}, "
      f"after load {f(med(loaded,'threads'))}; CPU while idle (sampler at 1 s) {med(idle,'cpu_pct_of_core')}% of one core; "
      f"start to listening {f(med(ready,'ready_ms'))} ms.")
