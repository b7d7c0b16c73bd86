#!/usr/bin/env python3
"""What a rate-limit decision in Redis costs beside the in-process buckets, in one run.

Starts a throw-away Redis (scripts/redis-server.sh, password, loopback) and, for each backend
(ratelimit.backend = local, then redis), a Release daemon with the built-in api rule on:
  - admitted: a limit far above the load (every request decided, none refused):
    wrk -t2 -c50 -d6s --latency on /api/system/stats;
  - flood: 10 requests a second allowed, so nearly every request is refused 429 (on redis the
    refused key is cached locally until its retry time, so most refusals make no round trip).
Reports req/s, p50 and p99 of each, one JSON line each to stdout and
bench/results/redis_ratelimit.jsonl.
Usage: python3 bench/redis_ratelimit.py [--daemon build/release/controlcenterd] [--seconds 6]
"""
import argparse, json, os

from bench_daemon import ROOT, Daemon, ThrowawayRedis, wrk


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", default=os.path.join(ROOT, "build/release/controlcenterd"))
    ap.add_argument("--seconds", type=int, default=6)
    args = ap.parse_args()
    redis = ThrowawayRedis()
    results = []
    try:
        for backend in ("local", "redis"):
            for case, rate, burst in (("admitted", "100000000/s", 100000000), ("flood", "10/s", 10)):
                defines = ["ratelimit.enabled=true", "ratelimit.rule.api.rate=" + rate,
                           f"ratelimit.rule.api.burst={burst}", "ratelimit.backend=" + backend]
                if backend == "redis":
                    defines += redis.defines()
                d = Daemon(args.daemon, defines=defines)
                try:
                    r = wrk(f"http://{d.http}/api/system/stats", d.token, args.seconds)
                finally:
                    d.stop()
                r.update(backend=backend, case=case)
                results.append(r)
                print(json.dumps(r), flush=True)
    finally:
        redis.stop()
    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench/results/redis_ratelimit.jsonl"), "a") as f:
        for r in results:
            f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
