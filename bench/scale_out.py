#!/usr/bin/env python3
"""Several daemons on one PostgreSQL behind nginx (issue 14's bench), on loopback:

    python3 bench/scale_out.py        # DUR=20 USERS=150 by default; needs root the first time

In one run, each phase the replaced system's mix (`controlcenterctl loadtest --scenario mixed`,
USERS keep-alive users, DUR seconds):

  sqlite-one        one daemon on SQLite (the embedded default), direct
  pg-one            one daemon on PostgreSQL, direct
  pg-one-nginx      the same daemon behind nginx (what the proxy costs)
  pg-two-nginx      two daemons on the same PostgreSQL behind nginx, an upstream of both
  pg-two-restart    the same, while `controlcenterctl restart --wait` restarts one of them in
                    place a third of the way in: errors must stay 0

PostgreSQL is a throw-away cluster (scripts/pg-cluster.sh) with fsync on (PG_CLUSTER_DURABLE=1),
as durable as the SQLite store. The nginx configuration is the one docs/scale-out.md shows.
Results: bench/results/scale_out.jsonl and a table on stdout (also bench/results/scale_out.md).
Everything it starts, it stops on exit. Rate limits and the access log are off.
"""
import json, os, platform, shutil, subprocess, sys, tempfile, threading, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_daemon import ROOT, Daemon  # noqa: E402

DUR = int(os.environ.get("DUR", "20"))
USERS = int(os.environ.get("USERS", "150"))
OUT = os.path.join(ROOT, "bench", "results")
D = os.path.join(ROOT, "build", "release", "controlcenterd")
CTL = os.path.join(ROOT, "build", "release", "controlcenterctl")

# The tested balancer: passive health checks (a server that fails once is left out for 2 s),
# keep-alive connections to the daemons, and a request that could not be sent to one daemon
# (connect refused, reset before an answer) tried on the other. POST and PATCH are never
# retried once sent (nginx's default): a retried create could create twice.
NGINX_CONF = """worker_processes 2;
daemon off;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log warn;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  upstream controlcenter {{
{servers}
    keepalive 128;
  }}
  server {{
    listen 127.0.0.1:{port};
    location / {{
      proxy_pass http://controlcenter;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $remote_addr;
      proxy_next_upstream error timeout http_502;
      proxy_next_upstream_tries 2;
      proxy_connect_timeout 1s;
      proxy_read_timeout 10s;
    }}
  }}
}}
"""


def run(args, **kw):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kw).stdout


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgCluster:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="cc-bench-pg-")
        os.rmdir(self.dir)  # pg-cluster.sh wants to make it (or find it empty)
        out = run([os.path.join(ROOT, "scripts", "pg-cluster.sh"), "start", self.dir],
                  env=dict(os.environ, PG_CLUSTER_DURABLE="1"))
        env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        self.url = env["CC_TEST_PG_URL"]

    def stop(self):
        subprocess.run([os.path.join(ROOT, "scripts", "pg-cluster.sh"), "stop", self.dir],
                       capture_output=True)


class Nginx:
    def __init__(self, upstreams):
        self.work = tempfile.mkdtemp(prefix="cc-bench-nginx-")
        self.port = free_port()
        servers = "\n".join(f"    server {u} max_fails=1 fail_timeout=2s;" for u in upstreams)
        conf = os.path.join(self.work, "nginx.conf")
        with open(conf, "w") as f:
            f.write(NGINX_CONF.format(work=self.work, servers=servers, port=self.port))
        self.proc = subprocess.Popen(["nginx", "-c", conf, "-e", f"{self.work}/nginx-error.log"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(500):
            try:
                import urllib.request
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/health/live", timeout=1)
                break
            except OSError:
                time.sleep(0.02)
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        shutil.rmtree(self.work, ignore_errors=True)


def token_file(daemon):
    return os.path.join(daemon.dir, "admin.token")


def mix(url, daemon):
    """The mix through `url`, its tokens minted on `daemon`'s admin listener: the loadtest JSON."""
    out = subprocess.run([CTL, "--url", url, "--admin", f"http://{daemon.admin}", "--token-file",
                          token_file(daemon), "-o", "json", "loadtest", "--scenario", "mixed",
                          "--users", str(USERS), "--duration", str(DUR)],
                         capture_output=True, text=True)
    if out.returncode not in (0, 1):
        sys.exit(f"loadtest failed ({out.returncode}): {out.stderr}")
    return json.loads(out.stdout)


def row(phase, report, extra=None):
    t = report["total"]
    d = {"bench": "scale_out", "phase": phase, "users": USERS, "dur_s": DUR,
         "requests": t["requests"], "ok": t["ok"], "rps": t["rps"], "p50_ms": t["p50_ms"],
         "p95_ms": t["p95_ms"], "p99_ms": t["p99_ms"], "max_ms": t["max_ms"],
         "server_errors": t["server_errors"], "client_errors": t["client_errors"],
         "timeouts": t["timeouts"], "errors": t["errors"], "rate_limited": t["rate_limited"]}
    # Each endpoint's figures, for what the total hides (the writes among the reads).
    d["endpoints"] = [{k: e[k] for k in ("endpoint", "requests", "rps", "p50_ms", "p99_ms",
                                          "max_ms", "server_errors", "timeouts", "errors")}
                      for e in report["endpoints"]]
    d.update(extra or {})
    return d


def main():
    subprocess.run([os.path.join(ROOT, "scripts", "bootstrap")], check=True,
                   env=dict(os.environ, CC_BOOTSTRAP_EXTRA="nginx-light python3"))
    run(["cmake", "--preset", "release"], cwd=ROOT)
    subprocess.run(["cmake", "--build", "--preset", "release", "--target", "controlcenterd",
                    "controlcenterctl"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    os.makedirs(OUT, exist_ok=True)
    rows = [{"bench": "machine", "nproc": os.cpu_count(), "kernel": platform.release(),
             "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
             "postgresql": run(["bash", "-c", "ls -d /usr/lib/postgresql/*/ | sort -V | tail -n1"]).strip(),
             "nginx": subprocess.run(["nginx", "-v"], capture_output=True, text=True).stderr.strip()}]
    started = []
    try:
        one = Daemon(D)
        started.append(one)
        rows.append(row("sqlite-one", mix(f"http://{one.http}", one)))
        one.stop()
        started.remove(one)

        pg = PgCluster()
        started.append(pg)
        on_pg = ("db.backend=postgresql", f"db.url={pg.url}")
        a = Daemon(D, defines=on_pg)
        started.append(a)
        rows.append(row("pg-one", mix(f"http://{a.http}", a)))

        lb = Nginx([a.http])
        started.append(lb)
        rows.append(row("pg-one-nginx", mix(lb.url, a)))
        lb.stop()
        started.remove(lb)

        b = Daemon(D, defines=on_pg)
        started.append(b)
        lb = Nginx([a.http, b.http])
        started.append(lb)
        rows.append(row("pg-two-nginx", mix(lb.url, a)))

        # The restart: of daemon b, so that the loadtest's token minting (on a) is not in the way.
        restart = {}

        def restart_b():
            time.sleep(DUR / 3)
            out = subprocess.run([CTL, "--url", f"http://{b.http}", "--admin",
                                  f"http://{b.admin}", "--token-file", token_file(b), "-o", "json",
                                  "restart", "--wait"], capture_output=True, text=True)
            restart["exit"] = out.returncode
            try:
                restart.update(json.loads(out.stdout))
            except ValueError:
                restart["output"] = out.stdout + out.stderr

        t = threading.Thread(target=restart_b)
        t.start()
        report = mix(lb.url, a)
        t.join()
        rows.append(row("pg-two-restart", report, {"restart": restart}))
    finally:
        for s in reversed(started):
            s.stop()

    with open(os.path.join(OUT, "scale_out.jsonl"), "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
    lines = ["| phase | req/s | p50 ms | p95 ms | p99 ms | max ms | 5xx | timeouts | errors |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows[1:]:
        lines.append(f"| {r['phase']} | {r['rps']:,.0f} | {r['p50_ms']:.2f} | {r['p95_ms']:.2f} | "
                     f"{r['p99_ms']:.2f} | {r['max_ms']:.2f} | {r['server_errors']} | "
                     f"{r['timeouts']} | {r['errors']} |")
    lines += ["", "| phase | writes (POST + DELETE /api/agents) | p50 ms | p99 ms | max ms | timeouts |",
              "| --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in rows[1:]:
        writes = [e for e in r["endpoints"] if e["endpoint"].startswith(("POST", "DELETE"))]
        if writes:
            lines.append(f"| {r['phase']} | {sum(e['requests'] for e in writes):,} | "
                         f"{max(e['p50_ms'] for e in writes):.2f} | "
                         f"{max(e['p99_ms'] for e in writes):.2f} | "
                         f"{max(e['max_ms'] for e in writes):.2f} | "
                         f"{sum(e['timeouts'] for e in writes)} |")
    text = "\n".join(lines) + "\n\nrestart: " + json.dumps(rows[-1].get("restart")) + "\n"
    with open(os.path.join(OUT, "scale_out.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
