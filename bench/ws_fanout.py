#!/usr/bin/env python3
"""WebSocket fan-out: N subscribers of /api/system/metrics on one daemon, on loopback.

Reports, per frame (sampled_at), how many subscribers received it and the spread between the
first and the last receipt (the fan-out delay), then the p50/p99/max of that spread. Bounded:
it stops after --seconds. Usage: ws_fanout.py HOST:PORT [--clients 1000] [--seconds 10]
"""
import argparse, asyncio, base64, json, os, statistics, time


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
            if b0 & 0x0F == 1:
                frame = json.loads(payload)
                if frame.get("type") == "metrics":
                    seen.setdefault(frame["sampled_at"], []).append(time.monotonic())
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("address")
    ap.add_argument("--clients", type=int, default=1000)
    ap.add_argument("--seconds", type=float, default=10)
    args = ap.parse_args()
    host, port = args.address.rsplit(":", 1)
    seen, ready, stop = {}, [], asyncio.Event()
    tasks = []
    for _ in range(args.clients):
        tasks.append(asyncio.create_task(subscriber(host, int(port), seen, ready, stop)))
        await asyncio.sleep(0.001)
    t_ready = time.monotonic()
    while len(ready) < args.clients and time.monotonic() - t_ready < 30:
        await asyncio.sleep(0.05)
    start_frames = set(seen)
    await asyncio.sleep(args.seconds)
    stop.set()
    frames = {k: v for k, v in seen.items() if k not in start_frames}
    complete = [v for v in frames.values() if len(v) == args.clients]
    spreads = sorted((max(v) - min(v)) * 1000 for v in frames.values() if v)
    def pct(p):
        return spreads[min(len(spreads) - 1, int(p / 100 * len(spreads)))] if spreads else float("nan")
    print(json.dumps({"clients": args.clients, "connected": len(ready), "frames": len(frames),
                      "frames_received_by_all": len(complete),
                      "fanout_ms_p50": round(pct(50), 2), "fanout_ms_p99": round(pct(99), 2),
                      "fanout_ms_max": round(spreads[-1], 2) if spreads else None}))
    for t in tasks:
        t.cancel()


asyncio.run(main())
