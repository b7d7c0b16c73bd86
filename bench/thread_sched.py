#!/usr/bin/env python3
"""Where a process's threads spend a load, from the kernel's scheduler statistics.

    python3 bench/thread_sched.py PID SECONDS [INTERVAL_S]

Reads /proc/PID/task/*/schedstat (time on a CPU, time runnable waiting for one) at the start and
the end, and samples every thread's state every INTERVAL_S (0.05) in between, then prints one
JSON object: per nice value, the threads seen, their CPU and run-queue wait in ms per second of
wall time, and the mean number of them runnable (state R) in the samples; and the threads with
the most CPU, each with its nice value, CPU and wait. A thread that started or ended meanwhile
counts from its first or until its last reading. Linux only.
"""
import json
import os
import sys
import time


def tasks(pid):
    out = {}
    base = f"/proc/{pid}/task"
    for tid in os.listdir(base):
        try:
            with open(f"{base}/{tid}/schedstat") as f:
                run_ns, wait_ns, _ = (int(x) for x in f.read().split())
            with open(f"{base}/{tid}/stat") as f:
                stat = f.read()
            comm = stat[stat.index("(") + 1 : stat.rindex(")")]
            fields = stat[stat.rindex(")") + 2 :].split()
            out[tid] = {"run": run_ns, "wait": wait_ns, "state": fields[0],
                        "nice": int(fields[16]), "comm": comm}
        except (OSError, ValueError):
            pass
    return out


def main():
    pid, seconds = int(sys.argv[1]), float(sys.argv[2])
    interval = float(sys.argv[3]) if len(sys.argv) > 3 else 0.05
    first = tasks(pid)
    last = dict(first)
    t0 = time.monotonic()
    samples = 0
    runnable = {}
    while time.monotonic() - t0 < seconds:
        time.sleep(interval)
        now = tasks(pid)
        samples += 1
        for tid, t in now.items():
            first.setdefault(tid, t)
            last[tid] = t
            if t["state"] == "R":
                runnable[t["nice"]] = runnable.get(t["nice"], 0) + 1
    wall = time.monotonic() - t0
    groups = {}
    threads = []
    for tid, t in last.items():
        f = first[tid]
        cpu = (t["run"] - f["run"]) / 1e6 / wall
        wait = (t["wait"] - f["wait"]) / 1e6 / wall
        g = groups.setdefault(str(t["nice"]), {"threads": 0, "cpu_ms_per_s": 0.0,
                                               "wait_ms_per_s": 0.0})
        g["threads"] += 1
        g["cpu_ms_per_s"] += cpu
        g["wait_ms_per_s"] += wait
        threads.append({"tid": int(tid), "comm": t["comm"], "nice": t["nice"],
                        "cpu_ms_per_s": round(cpu, 1), "wait_ms_per_s": round(wait, 1)})
    for nice, g in groups.items():
        g["cpu_ms_per_s"] = round(g["cpu_ms_per_s"], 1)
        g["wait_ms_per_s"] = round(g["wait_ms_per_s"], 1)
        g["mean_runnable"] = round(runnable.get(int(nice), 0) / max(samples, 1), 2)
    threads.sort(key=lambda t: -t["cpu_ms_per_s"])
    print(json.dumps({"wall_s": round(wall, 2), "samples": samples, "by_nice": groups,
                      "top": threads[:8]}))


if __name__ == "__main__":
    main()
