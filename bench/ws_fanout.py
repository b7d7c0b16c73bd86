#!/usr/bin/env python3
"""WebSocket fan-out: N subscribers of /api/system/metrics on one daemon, on loopback.

Reports, per frame (sampled_at), how many subscribers received it and the spread between the
first and the last receipt (the fan-out delay), then the p50/p99/max of that spread. The
subscribers are spread over --procs processes (each an asyncio loop; receipt times are
CLOCK_MONOTONIC, shared by all processes), so one Python loop reading 1,000 sockets in turn is
not what gets measured. Bounded: it stops after --seconds.
Usage: ws_fanout.py HOST:PORT [--clients 1000] [--seconds 10] [--procs 4]
"""
import argparse, asyncio, base64, json, multiprocessing, os, time

MARK = b'"sampled_at":'


async def subscriber(host, port, seen, ready, stop):
    reader, writer = await asyncio.open_connection(host, port)
    key = base64.b64encode(os.urandom(16)).decode()
    writer.write((f"GET /api/system/metrics HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    if b" 101 " not in head.split(b"\r\n")[0]:
        raise RuntimeError(head.split(b"\r\n")[0].decode())
    ready.append(1)
    try:
        while not stop.is_set():
            b0, b1 = await reader.readexactly(2)
            n = b1 & 0x7F
            if n == 126:
                n = int.from_bytes(await reader.readexactly(2), "big")
            elif n == 127:
                n = int.from_bytes(await reader.readexactly(8), "big")
            payload = await reader.readexactly(n)
            at = time.monotonic()
            # A metrics frame carries "sampled_at":"<iso time>"; take it without parsing it all.
            i = payload.find(MARK) if b0 & 0x0F == 1 and b'"type":"metrics"' in payload else -1
            if i >= 0:
                j = payload.index(b'"', payload.index(b'"', i + len(MARK)) + 1)
                seen.setdefault(payload[i + len(MARK):j + 1].decode(), []).append(at)
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def group(host, port, clients, t_end):
    seen, ready, stop = {}, [], asyncio.Event()
    tasks = []
    for _ in range(clients):
        tasks.append(asyncio.create_task(subscriber(host, port, seen, ready, stop)))
        await asyncio.sleep(0.002)
    while time.monotonic() < t_end:
        await asyncio.sleep(0.05)
    stop.set()
    for t in tasks:
        t.cancel()
    return len(ready), seen


def run_group(args):
    host, port, clients, t_end = args
    return asyncio.run(group(host, port, clients, t_end))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("address")
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--procs", type=int, default=4)
    args = ap.parse_args()
    host, port = args.address.rsplit(":", 1)
    per = [args.clients // args.procs + (i < args.clients % args.procs) for i in range(args.procs)]
    connect_time = 3 + args.clients * 0.002
    t_measure = time.monotonic() + connect_time
    t_end = t_measure + args.seconds
    with multiprocessing.Pool(args.procs) as pool:
        results = pool.map(run_group, [(host, int(port), n, t_end) for n in per])
    connected = sum(r[0] for r in results)
    seen = {}
    for _, s in results:
        for k, v in s.items():
            seen.setdefault(k, []).extend(v)
    # Only frames sent once everyone could be connected, and completely before the end.
    frames = {k: v for k, v in seen.items() if min(v) >= t_measure and max(v) < t_end - 0.5}
    complete = [v for v in frames.values() if len(v) == args.clients]
    spreads = sorted((max(v) - min(v)) * 1000 for v in frames.values() if v)

    def pct(p):
        return spreads[min(len(spreads) - 1, int(p / 100 * len(spreads)))] if spreads else float("nan")

    print(json.dumps({"clients": args.clients, "connected": connected, "frames": len(frames),
                      "frames_received_by_all": len(complete),
                      "fanout_ms_p50": round(pct(50), 2), "fanout_ms_p99": round(pct(99), 2),
                      "fanout_ms_max": round(spreads[-1], 2) if spreads else None}))


if __name__ == "__main__":
    main()
