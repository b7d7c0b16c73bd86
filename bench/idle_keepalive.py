#!/usr/bin/env python3
"""Idle keep-alive clients: N connections each make one request and stay open, idle.

Then reports how many the daemon holds idle (parked, no worker) and active (holding a worker), its
threads and RSS (from /proc/PID/status; pool threads started during the burst stay in the pool,
idle, for a minute), how long
a newcomer's request takes, and checks that every idle connection is still served on its own
connection afterwards (the gauges come from /metrics on the admin listener). Usage:
idle_keepalive.py HOST:PORT PID --admin HOST:PORT --token-file FILE [--clients 1000]
"""
import argparse, json, socket, time


def status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("Threads", "VmRSS"):
                out[k] = int(v.split()[0])
    return out


def get(sock, host):
    sock.sendall(f"GET /health/live HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            return 0
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = int([l for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")][0].split(b":")[1])
    while len(body) < length:
        body += sock.recv(4096)
    return int(head.split(b" ")[1])


def gauges(admin, token):
    """The public listener's connection gauges, from /metrics on the admin listener."""
    host, port = admin.rsplit(":", 1)
    s = socket.create_connection((host, int(port)))
    s.sendall(f"GET /metrics HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\n"
              "Connection: close\r\n\r\n".encode())
    data = b""
    while True:
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    s.close()
    out = {}
    for line in data.decode(errors="replace").splitlines():
        if line.startswith("controlcenter_http_connections{state="):
            state = line.split('"')[1]
            out[state] = float(line.rsplit(" ", 1)[1])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("address")
    ap.add_argument("pid", type=int)
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--admin", required=True, help="the admin listener, HOST:PORT")
    ap.add_argument("--token-file", required=True, help="admin.token_file")
    a = ap.parse_args()
    token = open(a.token_file).read().strip()
    host, port = a.address.rsplit(":", 1)
    before = status(a.pid)
    socks, ok = [], 0
    for _ in range(a.clients):
        s = socket.create_connection((host, int(port)))
        ok += get(s, host) == 200
        socks.append(s)
    time.sleep(0.5)  # past the busy slice: every connection is parked
    idle = status(a.pid)
    conns = gauges(a.admin, token)
    t0 = time.perf_counter()
    newcomer = socket.create_connection((host, int(port)))
    code = get(newcomer, host)
    newcomer_ms = (time.perf_counter() - t0) * 1000
    newcomer.close()
    again = sum(get(s, host) == 200 for s in socks)
    for s in socks:
        s.close()
    print(json.dumps({"clients": a.clients, "first_ok": ok, "again_ok": again,
                      "threads_before": before["Threads"], "threads_idle": idle["Threads"],
                      "rss_kb_before": before["VmRSS"], "rss_kb_idle": idle["VmRSS"],
                      "connections_idle": conns.get("idle"), "connections_active": conns.get("active"),
                      "newcomer_status": code, "newcomer_ms": round(newcomer_ms, 2)}))


if __name__ == "__main__":
    main()
