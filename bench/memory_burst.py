#!/usr/bin/env python3
"""Memory under a burst: peak and settled RSS of controlcenterd, per allocator setting.

For each variant it starts the daemon (a temp state dir, port 0, config etc/controlcenterd.properties),
then:
  1. burst: --clients clients at once, each POSTing --bodies bodies of about 1 MB to /api/agents
     (valid JSON, its metadata far over the 16 KiB limit: issue 19's case), counting the answers;
     RSS is sampled every 10 ms during the burst (peak), then once a second for --settle seconds
     (settled: the last sample);
  2. subscribers: --subscribers WebSocket subscribers of /api/system/metrics held open for 5 s;
     RSS before and while they are connected.
Variants (the daemon's keys overload.allocator_arenas and overload.release_memory_after_bytes):
"glibc" (glibc's defaults, nothing released: the daemon before issue 19), "arena2" (2 arenas),
"release" (glibc's arenas, free memory released after 16 MiB have passed), "default" (the
daemon's defaults: 2 arenas and the release), "jemalloc" (LD_PRELOAD of Debian's libjemalloc2,
when installed, with glibc's settings off). One JSON line per variant to stdout and bench/results/memory_burst.jsonl.
Usage: python3 bench/memory_burst.py [--daemon build/release/controlcenterd] [--variants glibc,arena2]
"""
import argparse, json, os, socket, threading, time

from bench_daemon import ROOT, Daemon, open_websocket

JEMALLOC = "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2"


def rss_kb(pid, key="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def big_body():
    parts, size, i = [], 0, 0
    head = '{"name":"big","level":"L1","role":"r","metadata":{'
    while size < 990000:
        p = ('"k%d":"vvvvvvvvvvvvvvvvvvvv"' % i)
        parts.append(p)
        size += len(p) + 1
        i += 1
    return (head + ",".join(parts) + "}}").encode()


def read_answer(sock):
    """Status and whether the server closes, from one response (headers + Content-Length body)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return 0, True
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    status = int(lines[0].split()[1])
    length, close = 0, False
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v)
        if k.strip().lower() == b"connection" and v.strip().lower() == b"close":
            close = True
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        rest += chunk
    return status, close


def burst(d, clients, bodies, body):
    host, port = d.http.rsplit(":", 1)
    head = (f"POST /api/agents HTTP/1.1\r\nHost: {d.http}\r\nAuthorization: Bearer {d.token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    statuses, lock, start = {}, threading.Lock(), threading.Event()

    def client():
        start.wait()
        sock = None
        for _ in range(bodies):
            try:
                if sock is None:
                    sock = socket.create_connection((host, int(port)), timeout=30)
                sock.sendall(head)
                try:
                    sock.sendall(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # refused from the head: the answer is already waiting
                status, close = read_answer(sock)
            except OSError:
                status, close = 0, True
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
            if close and sock is not None:
                sock.close()
                sock = None
        if sock is not None:
            sock.close()

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    peak, done = 0, threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, rss_kb(d.proc.pid))
            time.sleep(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    t0 = time.monotonic()
    start.set()
    for t in threads:
        t.join()
    seconds = time.monotonic() - t0
    done.set()
    sampler.join()
    return {"answers": {str(k): v for k, v in sorted(statuses.items())},
            "burst_s": round(seconds, 2), "peak_rss_mib": round(peak / 1024, 1)}


def subscribers(d, n):
    socks = []
    before = rss_kb(d.proc.pid)
    for _ in range(n):
        s, _early = open_websocket(d.http, "/api/system/metrics")
        s.setblocking(False)
        socks.append(s)
    peak = 0
    for _ in range(50):  # 5 s, reading what arrives so that nobody is a slow reader
        for s in socks:
            try:
                while s.recv(65536):
                    pass
            except BlockingIOError:
                pass
        peak = max(peak, rss_kb(d.proc.pid))
        time.sleep(0.1)
    for s in socks:
        s.close()
    return {"subscribers": n, "rss_before_mib": round(before / 1024, 1),
            "rss_with_subscribers_mib": round(peak / 1024, 1)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", default=os.path.join(ROOT, "build/release/controlcenterd"))
    ap.add_argument("--variants", default="glibc,arena2,release,default,jemalloc")
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--bodies", type=int, default=3)
    ap.add_argument("--settle", type=int, default=10)
    ap.add_argument("--subscribers", type=int, default=1000)
    ap.add_argument("--env", action="append", default=[], help="KEY=VALUE for every variant")
    args = ap.parse_args()
    body = big_body()
    extra = dict(kv.split("=", 1) for kv in args.env)
    off = ["overload.allocator_arenas=0", "overload.release_memory_after_bytes=0"]
    variants = {
        "glibc": ({}, off),
        "arena2": ({}, ["overload.allocator_arenas=2", "overload.release_memory_after_bytes=0"]),
        "release": ({}, ["overload.allocator_arenas=0"]),
        "default": ({}, []),
        "jemalloc": ({"LD_PRELOAD": JEMALLOC}, off),
    }
    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    out = open(os.path.join(ROOT, "bench/results/memory_burst.jsonl"), "a")
    for name in args.variants.split(","):
        env, defines = variants[name]
        env = dict(env, **extra)
        if name == "jemalloc" and not os.path.exists(JEMALLOC):
            print(f"# {name}: {JEMALLOC} missing (apt-get install libjemalloc2); skipped")
            continue
        d = Daemon(args.daemon, env, defines)
        try:
            result = {"variant": name, "env": env, "defines": defines, "rss_idle_mib": round(rss_kb(d.proc.pid) / 1024, 1)}
            result.update(burst(d, args.clients, args.bodies, body))
            settled = []
            for _ in range(args.settle):
                time.sleep(1)
                settled.append(round(rss_kb(d.proc.pid) / 1024, 1))
            result["settled_rss_mib_each_s"] = settled
            result["settled_rss_mib"] = settled[-1] if settled else None
            if args.subscribers > 0:
                result.update(subscribers(d, args.subscribers))
        finally:
            d.stop()
        line = json.dumps(result)
        print(line, flush=True)
        out.write(line + "\n")


if __name__ == "__main__":
    main()
