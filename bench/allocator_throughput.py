#!/usr/bin/env python3
"""Throughput with overload.allocator_arenas 0 (glibc's default) and 2, alternated --rounds times
in one run: /health and /api/agents?limit=100 (200 agents with a little metadata) at 150
connections, wrk -t2 -d6s. Needs the Release daemon and wrk.
Usage: python3 bench/allocator_throughput.py [--daemon build/release/controlcenterd] [--rounds 2]
"""
import argparse, json, os, urllib.request

from bench_daemon import ROOT, Daemon, wrk


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", default=os.path.join(ROOT, "build/release/controlcenterd"))
    ap.add_argument("--rounds", type=int, default=2)
    args = ap.parse_args()
    for round_ in range(1, args.rounds + 1):
        for arenas in (0, 2):
            d = Daemon(args.daemon, defines=[f"overload.allocator_arenas={arenas}"])
            try:
                for i in range(200):
                    body = json.dumps({"name": f"a{i}", "level": "L1", "role": "r",
                                       "metadata": {"k": "v" * 200}}).encode()
                    urllib.request.urlopen(urllib.request.Request(
                        f"http://{d.http}/api/agents", data=body,
                        headers={"Authorization": "Bearer " + d.token,
                                 "Content-Type": "application/json"}))
                health = wrk(f"http://{d.http}/health", d.token, 6, conns=150)
                agents = wrk(f"http://{d.http}/api/agents?limit=100", d.token, 6, conns=150)
                print(json.dumps({"round": round_, "arenas": arenas, "health_req_s": health["req_s"],
                                  "agents_limit100_req_s": agents["req_s"],
                                  "rss_kb": rss_kb(d.proc.pid)}), flush=True)
            finally:
                d.stop()


if __name__ == "__main__":
    main()
