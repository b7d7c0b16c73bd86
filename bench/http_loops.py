#!/usr/bin/env python3
"""The HTTP connection layer side by side in one run (issue 16): /health at 10 and 150 keep-alive
connections against nginx serving a fixed 200, /health at 1,000 connections (with the daemon's
thread count), a system view, and the replaced system's mix (`controlcenterctl loadtest
--scenario mixed --users 150`), for one or two daemon builds, interleaved round by round so that
a machine whose speed drifts treats them alike. Besides req/s and p99 it reports the daemon's CPU
time per request (user + system, from /proc), which background load on a shared box disturbs far
less than throughput.

    python3 bench/http_loops.py [--build DIR] [--base OLD_BUILD_DIR] [--rounds 3] [--seconds 5]
                                [--benches health,system-stats,mix]

The build under test is build/release (built if missing) or --build; --base adds another build's
controlcenterd and controlcenterctl, e.g. a worktree of an earlier commit. --benches runs only
those named (all three by default). Results go to
bench/results/http_loops.jsonl, one line per measurement, and a summary table to stdout."""
import argparse, json, os, socket, statistics, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_daemon import ROOT, Daemon, wrk  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def threads(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("Threads:"):
                return int(line.split()[1])
    return None


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_nginx(work):
    port = free_port()
    conf = os.path.join(work, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""worker_processes 2;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{ access_log off;
  server {{ listen 127.0.0.1:{port}; location / {{ return 200 "ok\\n"; }} }} }}
""")
    proc = subprocess.Popen(["nginx", "-c", conf, "-g", "daemon off;"])
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    return proc, f"127.0.0.1:{port}"


def measured(daemon, fn):
    """Runs fn(), returning its result with the daemon's CPU microseconds per request and its
    peak thread count sampled at the end."""
    t0 = cpu_ticks(daemon.proc.pid)
    r = fn()
    t1 = cpu_ticks(daemon.proc.pid)
    r["threads"] = threads(daemon.proc.pid)
    if r.get("requests"):
        r["cpu_us_per_req"] = round((t1 - t0) * 1e6 / TICK / r["requests"], 1)
    return r


def mix(daemon, ctl, seconds):
    out = subprocess.run([ctl, "--url", f"http://{daemon.http}", "--admin", f"http://{daemon.admin}",
                          "--token-file", os.path.join(daemon.dir, "admin.token"), "-o", "json",
                          "loadtest", "--scenario", "mixed", "--users", "150", "--duration",
                          str(seconds)], capture_output=True, text=True, check=True).stdout
    d = json.loads(out)
    t = d["total"]
    light = [e for e in d["endpoints"] if e["endpoint"].startswith("GET /api/system/s")
             or e["endpoint"] in ("GET /api/system/info", "GET /api/health")]
    writes = [e for e in d["endpoints"] if not e["endpoint"].startswith("GET")]
    return {"req_s": round(t["rps"]), "p50_ms": t["p50_ms"], "p99_ms": t["p99_ms"],
            "requests": t["requests"], "errors": t.get("errors", 0),
            "light_req_s": round(sum(e["rps"] for e in light)),
            "writes_req_s": round(sum(e["rps"] for e in writes))}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", help="another build directory to compare (controlcenterd, ctl)")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--build", help="the build directory under test (default build/release)")
    ap.add_argument("--benches", default="health,system-stats,mix")
    args = ap.parse_args()
    benches = set(args.benches.split(","))
    new = os.path.abspath(args.build) if args.build else os.path.join(ROOT, "build/release")
    if not args.build and not os.path.exists(os.path.join(new, "controlcenterd")):
        subprocess.run(["cmake", "--preset", "release"], cwd=ROOT, check=True)
        subprocess.run(["cmake", "--build", "--preset", "release", "--target", "controlcenterd",
                        "controlcenterctl"], cwd=ROOT, check=True)
    builds = [("new", new)] + ([("base", os.path.abspath(args.base))] if args.base else [])
    work = tempfile.mkdtemp(prefix="cc-http-loops-")
    nginx, nginx_addr = start_nginx(work)
    results = []
    out_path = os.path.join(ROOT, "bench/results/http_loops.jsonl")
    try:
        with open(out_path, "w") as out:
            def record(build, bench, conns, r):
                r = dict(r, build=build, bench=bench, conns=conns, load=os.getloadavg()[0])
                results.append(r)
                out.write(json.dumps(r) + "\n")
                out.flush()
                print(json.dumps(r), flush=True)

            for _ in range(args.rounds):
                for conns in (10, 150):
                    record("nginx", "health", conns,
                           wrk(f"http://{nginx_addr}/", "x", args.seconds, conns))
                for name, build in builds:
                    # Each build with the reference configuration of its own tree.
                    d = Daemon(os.path.join(build, "controlcenterd"),
                               config=os.path.join(build, "../../etc/controlcenterd.properties"))
                    try:
                        url = f"http://{d.http}"
                        for conns in (10, 150, 1000) if "health" in benches else ():
                            record(name, "health", conns, measured(
                                d, lambda: wrk(url + "/health", d.token, args.seconds, conns)))
                        if "system-stats" in benches:
                            record(name, "system-stats", 150, measured(
                                d, lambda: wrk(url + "/api/system/stats", d.token, args.seconds,
                                               150)))
                        if "mix" in benches:
                            record(name, "mix", 150, measured(
                                d, lambda: mix(d, os.path.join(build, "controlcenterctl"),
                                               args.seconds)))
                    finally:
                        d.stop()
    finally:
        nginx.terminate()
        nginx.wait()

    def median(build, bench, conns, key):
        vals = [r[key] for r in results if r["build"] == build and r["bench"] == bench
                and r["conns"] == conns and r.get(key) is not None]
        return statistics.median(vals) if vals else None

    print("\n| build | bench | conns | req/s | p99 ms | CPU us/req | threads | / nginx |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, _ in builds:
        for bench, conns in (("health", 10), ("health", 150), ("health", 1000),
                             ("system-stats", 150), ("mix", 150)):
            rps = median(name, bench, conns, "req_s")
            if rps is None:
                continue
            ng = median("nginx", "health", conns, "req_s") if bench == "health" else None
            ratio = f"{rps / ng:.2f}" if rps and ng else ""
            print(f"| {name} | {bench} | {conns} | {rps:,.0f} | {median(name, bench, conns, 'p99_ms')}"
                  f" | {median(name, bench, conns, 'cpu_us_per_req')}"
                  f" | {median(name, bench, conns, 'threads')} | {ratio} |")
    for conns in (10, 150):
        print(f"| nginx | health | {conns} | {median('nginx', 'health', conns, 'req_s'):,.0f} | "
              f"{median('nginx', 'health', conns, 'p99_ms')} | | | |")


if __name__ == "__main__":
    main()
