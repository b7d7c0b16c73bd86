#!/usr/bin/env python3
"""Out of file descriptors: the daemon under RLIMIT_NOFILE --limit (256), given --holders (400)
connections from distinct loopback addresses that never finish their headers, then --newcomers
(20) newcomers one after the other. Reports how long each newcomer waited for its answer (p50,
max) and what it was, how many "accept failed" lines the log has, and that /health/live is served
again once the holders are gone. One JSON line to stdout and bench/results/descriptor_overload.jsonl.
Usage: python3 bench/descriptor_overload.py [--daemon build/release/controlcenterd]
"""
import argparse, json, os, socket, time

from bench_daemon import ROOT, Daemon


def connect_from(n, host, port):
    s = socket.socket()
    s.bind((f"127.0.0.{2 + n % 250}", 0))
    s.settimeout(5)
    s.connect((host, port))
    return s


def answer_of(s):
    data = b""
    try:
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
            if b"\r\n\r\n" in data and b"Connection: close" not in data:
                break
    except OSError:
        pass
    return data


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", default=os.path.join(ROOT, "build/release/controlcenterd"))
    ap.add_argument("--limit", type=int, default=256)
    ap.add_argument("--holders", type=int, default=400)
    ap.add_argument("--newcomers", type=int, default=20)
    args = ap.parse_args()
    d = Daemon(args.daemon, defines=["http.header_timeout_ms=60000", "http.keepalive_timeout_s=60"],
               open_files=args.limit)
    host, port = d.http.rsplit(":", 1)
    port = int(port)
    try:
        holders = []
        for i in range(args.holders):
            s = connect_from(i, host, port)
            s.sendall(b"GET /health/live HTTP/1.1\r\n")
            holders.append(s)
        time.sleep(1)  # let the acceptor work through the backlog
        waits, statuses = [], {}
        for i in range(args.newcomers):
            t0 = time.monotonic()
            s = connect_from(args.holders + i, host, port)
            s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            data = answer_of(s)
            waits.append((time.monotonic() - t0) * 1000)
            status = data.split(b" ", 2)[1].decode() if data.startswith(b"HTTP/1.1 ") else "none"
            statuses[status] = statuses.get(status, 0) + 1
            s.close()
        for s in holders:
            s.close()
        served_again = False
        for _ in range(100):
            try:
                s = socket.create_connection((host, port), timeout=2)
                s.sendall(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
                served_again = answer_of(s).startswith(b"HTTP/1.1 200")
                s.close()
            except OSError:
                pass
            if served_again:
                break
            time.sleep(0.1)
        waits.sort()
        log = d.log_text()
        result = {"limit": args.limit, "holders": args.holders, "newcomers": args.newcomers,
                  "newcomer_answers": statuses,
                  "newcomer_wait_ms_p50": round(waits[len(waits) // 2], 2),
                  "newcomer_wait_ms_max": round(waits[-1], 2),
                  "accept_failed_log_lines": log.count("accept failed"),
                  "served_again": served_again}
    finally:
        d.stop()
    line = json.dumps(result)
    print(line)
    os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
    with open(os.path.join(ROOT, "bench/results/descriptor_overload.jsonl"), "a") as f:
        f.write(line + "\n")


if __name__ == "__main__":
    main()
