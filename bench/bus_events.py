#!/usr/bin/env python3
"""Events across daemons through the Redis bus (bus.backend = redis), in one run on loopback.

Starts a throw-away Redis (scripts/redis-server.sh) and two Release daemons A and B on it, each
with its own SQLite store, creates 100 agents on A, subscribes one WebSocket client to `agents`
on each daemon, then drives unpaced heartbeats on A (wrk, bench/random_ids.lua, --conns
connections, --seconds) and counts the `agent.heartbeat` events each subscriber got: A's are
its own, B's came through Redis. Reports events/s on each, how many B missed, the delay from
the heartbeat's time (`agent.last_heartbeat`, A's wall clock) to B's receipt (p50/p99/max, same
host, so one clock) beside the same delay on A's own subscriber (the write's commit alone), and
A's bus counters (published, dropped, publish failures).
One JSON line to stdout and bench/results/bus_events.jsonl.
Usage: python3 bench/bus_events.py [--daemon build/release/controlcenterd] [--seconds 10]
"""
import argparse, json, multiprocessing, os, socket, subprocess, time
import urllib.request
from datetime import datetime

from bench_daemon import ROOT, Daemon, ThrowawayRedis, open_websocket


def api(method, url, token, body=None):
    req = urllib.request.Request(url, method=method, data=body.encode() if body else None,
                                 headers={"Authorization": "Bearer " + token,
                                          "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        return json.load(r) if r.status != 204 else None


def masked_text(text):
    data = text.encode()
    mask = os.urandom(4)
    return bytes([0x81, 0x80 | len(data)]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(data))


def count_in_process(address, token, ready, stop, results, name):
    """Subscribes to `agents` on `address` and records (receipt time, the event's
    last_heartbeat) of each heartbeat event until `stop`; `ready` once subscribed. A process of
    its own for each subscriber and a plain blocking socket, so that neither waits for the
    other's turn at the interpreter."""
    sock, buf = open_websocket(address, f"/api/system/ws?token={token}", timeout=None)
    sock.sendall(masked_text('{"type":"subscribe","topics":["agents"]}'))
    sock.settimeout(0.2)
    out = []
    while not stop.is_set():
        try:
            data = sock.recv(262144)
        except socket.timeout:
            continue
        if not data:
            break
        at = time.time()
        buf += data
        while len(buf) >= 2:
            n, off = buf[1] & 0x7F, 2
            if n == 126:
                n, off = int.from_bytes(buf[2:4], "big"), 4
            elif n == 127:
                n, off = int.from_bytes(buf[2:10], "big"), 10
            if len(buf) < off + n:
                break
            opcode, payload, buf = buf[0] & 0x0F, buf[off:off + n], buf[off + n:]
            if opcode != 1:
                continue
            event = json.loads(payload)
            if event.get("type") == "subscribed":
                ready.set()
            elif event.get("type") == "agent.heartbeat":
                out.append((at, event["agent"]["last_heartbeat"]))
    sock.close()
    results.put((name, out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--daemon", default=os.path.join(ROOT, "build/release/controlcenterd"))
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--conns", type=int, default=32)
    args = ap.parse_args()
    redis = ThrowawayRedis()
    defines = ["bus.backend=redis"] + redis.defines()
    daemons = []
    try:
        a = Daemon(args.daemon, defines=defines)
        daemons.append(a)
        b = Daemon(args.daemon, defines=defines)
        daemons.append(b)
        for daemon in (a, b):
            for _ in range(500):
                status = api("GET", f"http://{daemon.admin}/admin/status",
                             open(os.path.join(daemon.dir, "admin.token")).read().strip())
                if status["bus"]["state"] == "subscribed":
                    break
                time.sleep(0.02)
        for i in range(100):
            api("POST", f"http://{a.http}/api/agents", a.token,
                json.dumps({"name": f"bench-{i}", "level": "L1", "role": "r"}))
        stop = multiprocessing.Event()
        results = multiprocessing.Queue()
        got = {}
        procs = []
        readies = []
        for name, daemon in (("a", a), ("b", b)):
            ready = multiprocessing.Event()
            readies.append(ready)
            # Each subscriber's loop looks at `stop` between its 0.2 s reads.
            p = multiprocessing.Process(target=count_in_process,
                                        args=(daemon.http, daemon.token, ready, stop, results, name))
            p.start()
            procs.append(p)
        for ready in readies:
            if not ready.wait(10):
                raise SystemExit("a subscriber was not confirmed")
        wrk_env = dict(os.environ, CC_IDS="100", CC_RATE="0", CC_THREADS="2", CC_METHOD="POST",
                       CC_PATH="/api/agents/{id}/heartbeat", CC_FLEET="0")
        load = subprocess.run(["wrk", "-t2", f"-c{args.conns}", f"-d{args.seconds}s",
                               "--timeout", "5s", "-s", os.path.join(ROOT, "bench/random_ids.lua"),
                               "-H", "Authorization: Bearer " + a.token, f"http://{a.http}/"],
                              capture_output=True, text=True, env=wrk_env, check=True, cwd=ROOT)
        time.sleep(1.5)  # what is still on its way
        stop.set()
        for _ in procs:
            name, out = results.get(timeout=30)
            got[name] = out
        for p in procs:
            p.join(5)
        status = api("GET", f"http://{a.admin}/admin/status",
                     open(os.path.join(a.dir, "admin.token")).read().strip())
        def delays_of(received):
            return sorted(
                (at - datetime.fromisoformat(sent.replace("Z", "+00:00")).timestamp()) * 1000
                for at, sent in received)

        def pct(values, p):
            return round(values[min(len(values) - 1, int(p / 100 * len(values)))], 2) if values else None

        # A's own subscriber gets the event the moment the write commits: its delay is the write's
        # (the group commit's fsync); B's adds the bus.
        delays, local = delays_of(got["b"]), delays_of(got["a"])

        wrk_line = json.loads(load.stdout.strip().splitlines()[-1])
        result = {"bench": "bus_events", "seconds": args.seconds, "conns": args.conns,
                  "heartbeats_req_s": wrk_line.get("rps"), "heartbeats_non2xx": wrk_line.get("non2xx"),
                  "events_on_a": len(got["a"]), "events_on_b": len(got["b"]),
                  "events_per_s_on_b": round(len(got["b"]) / args.seconds, 1),
                  "missed_on_b": len(got["a"]) - len(got["b"]),
                  "delay_ms_p50": pct(delays, 50), "delay_ms_p99": pct(delays, 99),
                  "delay_ms_max": round(delays[-1], 2) if delays else None,
                  "local_delay_ms_p50": pct(local, 50), "local_delay_ms_p99": pct(local, 99),
                  "bus_a": {k: status["bus"][k] for k in ("published", "publish_failures",
                                                          "dropped", "queued")}}
        print(json.dumps(result), flush=True)
        os.makedirs(os.path.join(ROOT, "bench/results"), exist_ok=True)
        with open(os.path.join(ROOT, "bench/results/bus_events.jsonl"), "a") as f:
            f.write(json.dumps(result) + "\n")
    finally:
        for d in daemons:
            d.stop()
        redis.stop()


if __name__ == "__main__":
    main()
