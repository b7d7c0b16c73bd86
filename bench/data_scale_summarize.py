#!/usr/bin/env python3
"""Turns bench/results/data_scale.jsonl (bench/data_scale.sh) into markdown tables: each read's
req/s, p50 and p99 and non-2xx at every size, its req/s as a share of the same read's at the
smallest size, the seeding times, and at the largest size the mix and the heartbeats, with a
verdict per target. Medians over runs."""
import json, statistics, sys
from collections import defaultdict

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = defaultdict(list)
for r in rows:
    by[r["bench"]].append(r)

machine = (by.get("machine") or [{}])[0]
reads = defaultdict(list)  # (read, size) -> runs
order = []
for r in by.get("read", []):
    if r["read"] not in order:
        order.append(r["read"])
    reads[(r["read"], r["size"])].append(r)
sizes = sorted({r["size"] for r in by.get("read", [])})
base = sizes[0] if sizes else None
# Without reads (READS=0) the largest size is the one the mix and the heartbeats ran at.
largest = sizes[-1] if sizes else max(
    (r["size"] for r in rows if isinstance(r.get("size"), int)), default=None)


def med(runs, field):
    vals = [x[field] for x in runs if isinstance(x.get(field), (int, float))]
    return statistics.median(vals) if vals else None


def errors(runs):
    fields = ("connect_errors", "read_errors", "write_errors", "timeouts", "non2xx")
    return sum(sum(x.get(f, 0) for f in fields) for x in runs)


def f(v, nd=0):
    return "n/a" if v is None else f"{v:,.{nd}f}"


def shown_path(read, size):
    p = reads[(read, size)][0]["path"]
    if read == "agents-deep-cursor":
        return "/api/agents?cursor=… (sort id, after agent N-100)"
    if read == "agent-by-id":
        return "/api/agents/{random id in 1..N}"
    return p


print(f"Machine: {machine.get('nproc', '?')} cores ({machine.get('model', '?')}), Linux "
      f"{machine.get('kernel', '?')}, SQLite {machine.get('sqlite', '?')}; load generator on the "
      f"same machine. {machine.get('date', '')}; wrk -t2 -c{machine.get('conns', '?')}, "
      f"{machine.get('dur_s', '?')} s a run, median of {machine.get('runs', '?')} run(s)."
      + (f" Daemon started with `{machine['daemon_args']}`." if machine.get("daemon_args") else "")
      + "\n")

print("### Seeding (sqlite3 CLI, one transaction, triggers on)\n")
print("| agents | seed s | database MiB | daemon start ms | /api/agents/stats total | load average before |")
print("| --- | --- | --- | --- | --- | --- |")
hosts = {h["size"]: h for h in by.get("host", [])}
for s in by.get("seed", []):
    print(f"| {s['size']:,} | {s['seed_ms'] / 1000:,.1f} | {s['db_bytes'] / 1048576:,.0f} | "
          f"{s['ready_ms']:,} | {s['stats_total']:,} | {hosts.get(s['size'], {}).get('loadavg', '?')} |")
for imp in by.get("import", []):
    print(f"\nImport through the API (`controlcenterctl import`): not measured ({imp['why']}).")

# A run with READS=0 has no reads to show.
verdict_reads = []
if sizes:
    print(f"\n### Reads: req/s at each size, and as a share of the same read at {base:,}\n" if base else "")
    head = "| read | URL | " + " | ".join(f"{s:,}" for s in sizes) + f" | keeps half at {largest:,} |"
    print(head)
    print("| --- | --- | " + " | ".join("---" for _ in sizes) + " | --- |")
    verdict_reads = []
    for read in order:
        b = med(reads[(read, base)], "rps")
        cells = []
        ratio_last = None
        for s in sizes:
            v = med(reads[(read, s)], "rps")
            ratio = v / b if v is not None and b else None
            if s == largest:
                ratio_last = ratio
            cells.append(f(v) if s == base else f"{f(v)} ({f(ratio, 2)})")
        ok = ratio_last is not None and ratio_last >= 0.5 and all(
            errors(reads[(read, s)]) == 0 for s in sizes)
        verdict_reads.append((read, ratio_last, ok))
        print(f"| {read} | `{shown_path(read, largest)}` | " + " | ".join(cells) +
              f" | {'yes' if ok else '**no**'} |")

    print("\n### Reads: p50 / p99 ms, and non-2xx (or socket errors) over all runs\n")
    print("| read | " + " | ".join(f"{s:,}" for s in sizes) + " | non-2xx |")
    print("| --- | " + " | ".join("---" for _ in sizes) + " | --- |")
    for read in order:
        cells = [f"{f(med(reads[(read, s)], 'p50_ms'), 2)} / {f(med(reads[(read, s)], 'p99_ms'), 1)}"
                 for s in sizes]
        errs = sum(errors(reads[(read, s)]) for s in sizes)
        print(f"| {read} | " + " | ".join(cells) + f" | {errs:,} |")

    print("\n### What each read answered (one probe before the runs): total (≥ when capped)\n")
    print("| read | " + " | ".join(f"{s:,}" for s in sizes) + " |")
    print("| --- | " + " | ".join("---" for _ in sizes) + " |")
    for read in order:
        cells = []
        for s in sizes:
            p = reads[(read, s)][0].get("probe") or {}
            if p.get("status") != 200:
                cells.append(f"HTTP {p.get('status')}")
            elif "total" in p:
                cells.append(("≥ " if p.get("total_is_lower_bound") else "") + f"{p['total']:,}"
                             + f" ({p.get('items', 0)} on the page)")
            else:
                cells.append("200")
        print(f"| {read} | " + " | ".join(cells) + " |")
warm = {w["size"]: w for w in by.get("warm-heartbeats", [])}
if warm:
    print("\nBefore /api/agents/active, the agents heartbeat through the API for 2 s at random ids "
          "(16 connections), since the seed's heartbeats are out of the 60 s window by then: " +
          ", ".join(f"{w['requests']:,} at {s:,}" for s, w in sorted(warm.items())) + ".")
fp = {x["size"]: x for x in by.get("footprint", [])}
if fp:
    print("\nDaemon RSS after the reads: " +
          ", ".join(f"{x['rss_kb'] / 1024:,.0f} MiB at {s:,}" for s, x in sorted(fp.items())) + ".")

mixes = {(m["size"], m.get("with"), bool(m.get("steady"))): m for m in by.get("mix", [])}
hbs = {(h.get("with"), h.get("synchronous", "full"), bool(h.get("steady"))): h
       for h in by.get("heartbeats", [])}
WRITES = ("POST /api/agents", "DELETE /api/agents/{id}")


def not_ok(t):
    return t["requests"] - t.get("ok", 0)


def writes_p99(m):
    return max((e["p99_ms"] for e in m.get("endpoints", []) if e.get("endpoint") in WRITES),
               default=None)


mix_top = (mixes.get((largest, "none", False)) or {}).get("size") or (hbs.get(("none", "full", False)) or {}).get("size") or largest
if mixes or hbs:
    print(f"\n### At {mix_top:,} agents: the replaced system's mix and heartbeats\n")
    print("| load | agents | while | requests | req/s | p50 ms | p99 ms | p99 of its writes ms | not ok (5xx) |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    def mix_while(w, steady):
        if w == "none":
            return "alone"
        return "heartbeats at target" + (" from a fleet already active" if steady else "")

    for (size, w, steady), m in sorted(mixes.items(), key=lambda kv: (kv[0][0], kv[0][1] != "none", kv[0][2])):
        t = m["total"]
        print(f"| mix, 150 users (`loadtest --scenario mixed`) | {size:,} | "
              f"{mix_while(w, steady)} | {t['requests']:,} | {f(t['rps'])} | "
              f"{f(t['p50_ms'], 1)} | {f(t['p99_ms'], 1)} | {f(writes_p99(m), 1)} | {not_ok(t):,} ({t.get('server_errors', 0):,}) |")
    for key in (("none", "full", False), ("none", "full", True), ("mix", "full", False),
                ("mix", "full", True), ("none", "normal", False)):
        h = hbs.get(key)
        if not h:
            continue
        label = f"heartbeats, target {h['target_rate']:,}/s, {h['conns']} connections"
        if key[2]:
            label += ", from a fleet already active"
        if key[1] == "normal":
            label += " (diagnostic: `db.synchronous=normal`)"
        print(f"| {label} | {h['size']:,} | {'alone' if key[0] == 'none' else 'the mix'} | "
              f"{h['requests']:,} | {f(h['rps'])} | {f(h['p50_ms'], 2)} | {f(h['p99_ms'], 1)} | "
              f"{f(h['p99_ms'], 1)} | {errors([h]):,} ({h.get('non2xx', 0):,}) |")
    opened = []
    for b in by.get("breakers", []):
        for br in b.get("breakers", []):
            opened.append(f"after {b['after']}: {br.get('state', '?')}, opened {br.get('opened_total', '?')} time(s) so far")
    if opened:
        print("\nStore breaker (`controlcenterctl breakers`), then a wait for /health/ready before the next "
              "load: " + "; ".join(opened) + ".")
    print("\nThe mix per endpoint (p50 / p99 ms, requests):\n")
    cols = sorted(mixes.items(), key=lambda kv: (kv[0][0], kv[0][1] != "none", kv[0][2]))
    print("| endpoint | " + " | ".join(f"{s:,}, {mix_while(w, steady)}"
                                     for (s, w, steady), _ in cols) + " |")
    print("| --- | " + " | ".join("---" for _ in cols) + " |")
    names = [e["endpoint"] for e in cols[0][1].get("endpoints", [])] if cols else []
    for name in names:
        cells = []
        for _, m in cols:
            e = next((x for x in m.get("endpoints", []) if x["endpoint"] == name), None)
            cells.append("n/a" if not e else
                         f"{f(e['p50_ms'], 1)} / {f(e['p99_ms'], 1)} ({e['requests']:,})")
        print(f"| {name} | " + " | ".join(cells) + " |")

print("\n### Verdicts\n")
print("| target | measured | verdict |")
print("| --- | --- | --- |")
if verdict_reads:
    missed = [f"{r} {f(x, 2)}" for r, x, ok in verdict_reads if not ok]
    worst = min((x for _, x, _ in verdict_reads if x is not None), default=None)
    print(f"| every read at {largest:,} keeps at least half its req/s at {base:,}, no error | "
          f"lowest share {f(worst, 2)}; " + (f"below half or with errors: {', '.join(missed)}" if missed else "all at or above half")
          + f" | {'met' if not missed else '**missed**'} |")
for w, steady in (("none", False), ("heartbeats", False), ("heartbeats", True)):
    m = mixes.get((largest, w, steady))
    if m:
        t = m["total"]
        ok = t["p99_ms"] < 50 and not_ok(t) == 0
        with_what = "" if w == "none" else " with heartbeats" + (" (fleet already active)" if steady else "")
        print(f"| the mix at {m['size']:,} agents{with_what}: "
              f"p99 < 50 ms, no error | p99 {f(t['p99_ms'], 1)} ms, {not_ok(t):,} not ok "
              f"(its writes alone: p99 {f(writes_p99(m), 1)} ms) | {'met' if ok else '**missed**'} |")
for steady in (False, True):
    h = hbs.get(("mix", "full", steady))
    if h:
        ok = h["rps"] >= 0.98 * h["target_rate"] and h["p99_ms"] < 50 and errors([h]) == 0
        print(f"| {h['target_rate']:,} heartbeats/s with the mix running, p99 < 50 ms"
              f"{' (fleet already active)' if steady else ' (every heartbeat an agent’s first)'} | {f(h['rps'])}/s, "
              f"p99 {f(h['p99_ms'], 1)} ms, {errors([h]):,} errors | {'met' if ok else '**missed**'} |")
