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
import argparse, json, os, re, subprocess, tempfile

from bench_daemon import ROOT, Daemon


def wrk(url, token, seconds, conns=50):
    out = subprocess.run(["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--latency", "-H",
                          f"Authorization: Bearer {token}", url],
                         capture_output=True, text=True, check=True).stdout

    def ms(label):
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return None
        v = float(m.group(1))
        return round(v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v, 3)

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {"req_s": float(rps.group(1)) if rps else None, "p50_ms": ms("50"), "p99_ms": ms("99"),
            "requests": int(total.group(1)) if total else None,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", default=os.path.join(ROOT, "build/release/controlcenterd"))
    ap.add_argument("--seconds", type=int, default=6)
    args = ap.parse_args()
    redis_dir = tempfile.mkdtemp(prefix="cc-bench-redis-")
    os.rmdir(redis_dir)  # the script wants to make it
    started = subprocess.run([os.path.join(ROOT, "scripts/redis-server.sh"), "start", redis_dir],
                             capture_output=True, text=True, check=True).stdout
    env = dict(line.split("=", 1) for line in started.split() if "=" in line)
    results = []
    try:
        for backend in ("local", "redis"):
            for case, rate, burst in (("admitted", "100000000/s", 100000000), ("flood", "10/s", 10)):
                defines = ["ratelimit.enabled=true", "ratelimit.rule.api.rate=" + rate,
                           f"ratelimit.rule.api.burst={burst}", "ratelimit.backend=" + backend]
                if backend == "redis":
                    defines += ["redis.url=" + env["CC_TEST_REDIS_URL"],
                                "redis.password_file=" + env["CC_TEST_REDIS_PASSWORD_FILE"]]
                d = Daemon(args.daemon, defines=defines)
                try:
                    r = wrk(f"http://{d.http}/api/system/stats", d.token, args.seconds)
                finally:
                    d.stop()
                r.update(backend=backend, case=case)
                results.append(r)
                print(json.dumps(r), flush=True)
    finally:
        subprocess.run([os.path.join(ROOT, "scripts/redis-server.sh"), "stop", redis_dir])
    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench/results/redis_ratelimit.jsonl"), "a") as f:
        for r in results:
            f.write(json.dumps(r) + "\n")


if __name__ == "__main__":
    main()
