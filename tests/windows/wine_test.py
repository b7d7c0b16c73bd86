#!/usr/bin/env python3
"""Runs the cross-built controlcenterd.exe and controlcenterctl.exe under Wine and checks what a
Windows user relies on: start, /health, the domain API on SQLite, the PID lock, Ctrl-C, the ctl,
the config error for Unix sockets, and the service's register/start/stop/unregister.

    tests/windows/wine_test.py BUILD_DIR [--work DIR]

BUILD_DIR holds the two .exe files (scripts/build-windows.sh: build/windows). Each check prints
PASS or FAIL; the last line is "N passed, N failed" and the exit code is 1 on any failure.
Everything runs in a throw-away WINEPREFIX under --work (a temp dir by default) whose wineserver
is stopped at the end, also on failure. Servers listen on loopback, on ports the daemon picks.
"""

import argparse
import bisect
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

RESULTS = []
PASSWORD = "wine-admin-password-1"
SERVICE_PIPE_TIMEOUT_MS = 120000


def check(name, ok, detail=""):
    RESULTS.append(bool(ok))
    line = ("PASS: " if ok else "FAIL: ") + name
    if detail and not ok:
        line += " -- " + detail.strip().replace("\n", "\n      ")[-1500:]
    print(line, flush=True)
    return bool(ok)


def note(text):
    print("NOTE: " + text, flush=True)


def win_path(path):
    """Wine maps the Unix root to drive Z:."""
    return "Z:" + os.path.abspath(path).replace("/", "\\")


def find_tool(*names):
    for name in names:
        found = shutil.which(name) or (os.access(name, os.X_OK) and name)
        if found:
            return found
    sys.exit("wine_test: none of %s found (apt-get install wine64)" % ", ".join(names))


class Wine:
    def __init__(self, work):
        self.prefix = os.path.join(work, "prefix")
        self.wine = find_tool("wine64", "/usr/lib/wine/wine64", "wine")
        self.server = find_tool("wineserver", "/usr/lib/wine/wineserver64", "/usr/lib/wine/wineserver")
        self.env = dict(os.environ)
        self.env.update({
            "WINEPREFIX": self.prefix,
            "WINEARCH": "win64",
            # CC_WINEDEBUG=+service,+timestamp (say) shows Wine's side when a check fails.
            "WINEDEBUG": os.environ.get("CC_WINEDEBUG", "-all"),
            # No Mono or Gecko install prompts in a fresh prefix.
            "WINEDLLOVERRIDES": "mscoree,mshtml=",
        })
        self.env.pop("DISPLAY", None)

    def run(self, args, timeout=120, extra_env=None):
        env = dict(self.env, **(extra_env or {}))
        try:
            p = subprocess.run([self.wine] + args, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, timeout=timeout, stdin=subprocess.DEVNULL)
            return p.returncode, p.stdout.decode("utf-8", "replace")
        except subprocess.TimeoutExpired as e:
            return None, (e.stdout or b"").decode("utf-8", "replace") + "\n(timed out)"

    def start(self, args, log_path, extra_env=None):
        env = dict(self.env, **(extra_env or {}))
        log = open(log_path, "ab")
        # Its own process group: a Ctrl-C for the daemon reaches only the daemon.
        return subprocess.Popen([self.wine] + args, env=env, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)

    def boot(self):
        os.makedirs(self.prefix, exist_ok=True)
        rc, out = self.run(["wineboot", "-i"], timeout=300)
        if rc != 0:
            return rc, out
        # Wine's services.exe gives a new service process 10 s (Windows: 30 s) to connect, to
        # answer the start control and to report its first status, each, then kills it: on a
        # loaded machine Wine's own process start-up alone can take longer. It reads
        # ServicesPipeTimeout once, when it starts, and only as a REG_SZ (Windows: REG_DWORD), so
        # the prefix's wineserver is restarted to take it.
        rc, out = self.run(["reg", "add", r"HKLM\System\CurrentControlSet\Control", "/v",
                            "ServicesPipeTimeout", "/t", "REG_SZ", "/d",
                            str(SERVICE_PIPE_TIMEOUT_MS), "/f"])
        if rc != 0:
            return rc, out
        self.stop_server()
        # A service process is one of Wine's "system" processes: when the last other process
        # exits, the wineserver shuts them down (the service dies, STOPPED with 1077, an empty
        # log) and quits; the next `sc query` boots a fresh services.exe that never saw the
        # service start. Between two wine commands on a loaded machine that happens. Windows' SCM
        # never goes away; a persistent wineserver (stopped by stop_server) is the equivalent.
        subprocess.run([self.server, "-p"], env=self.env, timeout=60)
        # The session's first process starts services.exe, which keeps its standard handles for
        # as long as the server lives: not a pipe whose end this script would wait for.
        p = subprocess.run([self.wine, "wineboot"], env=self.env, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=300)
        return p.returncode, ""

    def backtrace(self, exe_name):
        """winedbg's backtrace of every thread of the running process EXE_NAME (a hung one, before
        it is killed: what it waits for), or why there is none."""
        try:
            procs = self.run(["winedbg", "--command", "info proc"], timeout=120)[1]
            pids = [int(pid, 16) for pid, name in re.findall(
                r"^\s*[=\s]?([0-9a-fA-F]{8})\s+\d+\s+(?:\\_ )?'([^']*)'", procs, re.M)
                    if name.lower().endswith(exe_name.lower())]
            if not pids:
                return "no %s among Wine's processes:\n%s" % (exe_name, procs)
            commands = os.path.join(os.path.dirname(self.prefix), "winedbg-commands")
            with open(commands, "w") as f:
                f.write("bt all\ndetach\nquit\n")
            out = self.run(["winedbg", "--file", win_path(commands), str(pids[0])], timeout=180)[1]
        except (OSError, subprocess.SubprocessError) as e:
            return "winedbg failed: %s" % e
        # bt all walks every Wine process; keep the threads of ours.
        sections = out.split("\nBacktracing for ")
        return "\n".join("Backtracing for " + s for s in sections[1:]
                         if exe_name.lower() in s.split("\n", 1)[0].lower()) or out

    def stop_server(self):
        subprocess.run([self.server, "-k"], env=self.env, timeout=60)
        subprocess.run([self.server, "-w"], env=self.env, timeout=60)


def symbolize(exe, text):
    """Names the frames winedbg shows as "0xADDR in controlcenterd (+0xOFF)": the executables
    carry a symbol table (no debug information), which MinGW's nm reads."""
    nm = shutil.which("x86_64-w64-mingw32-nm")
    if not nm:
        return text
    try:
        out = subprocess.run([nm, "-C", "--defined-only", exe], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL, timeout=120).stdout
        out = out.decode("utf-8", "replace")
    except (OSError, subprocess.SubprocessError):
        return text
    symbols = sorted((int(addr, 16), name) for addr, kind, name in
                     (line.split(" ", 2) for line in out.splitlines() if line.count(" ") >= 2)
                     if kind in "tT")
    addresses = [a for a, _ in symbols]
    module = re.escape(os.path.splitext(os.path.basename(exe))[0])

    def name(match):
        address = int(match.group(1), 16)
        i = bisect.bisect_right(addresses, address) - 1
        if i < 0:
            return match.group(0)
        return "0x%s in %s (%s+0x%x)" % (match.group(1), match.group(2), symbols[i][1],
                                        address - symbols[i][0])

    return re.sub(r"0x([0-9a-fA-F]+) in (%s) \(\+0x[0-9a-fA-F]+\)" % module, name, text)


def unix_threads(pid):
    """The Linux side of a Wine process: each thread's name, state and kernel wait channel (a
    process past ExitProcess is no longer among Wine's, but may still be here)."""
    lines = []
    try:
        for tid in sorted(os.listdir("/proc/%d/task" % pid), key=int):
            task = "/proc/%d/task/%s/" % (pid, tid)
            stat = read_text(task + "stat")
            # "pid (comm) state ...": comm may hold spaces and parentheses.
            state = stat[stat.rfind(")") + 2:].split(" ", 1)[0] if ")" in stat else "?"
            lines.append("  tid %s %s state %s wchan %s" % (
                tid, read_text(task + "comm").strip(), state, read_text(task + "wchan") or "-"))
    except OSError as e:
        lines.append("  (%s)" % e)
    return "Linux threads of pid %d:\n%s" % (pid, "\n".join(lines))


def http(method, url, body=None, token=None, timeout=15):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    if token:
        req.add_header("Authorization", "Bearer " + token)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()
    except OSError as e:
        return None, str(e)


def wait_for(predicate, timeout, step=0.2):
    until = time.monotonic() + timeout
    while time.monotonic() < until:
        value = predicate()
        if value:
            return value
        time.sleep(step)
    return predicate()


def read_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def read_text(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def console_daemon(wine, exe, ctl, work):
    state = os.path.join(work, "state")
    os.makedirs(state)
    log_path = os.path.join(work, "daemon.log")
    defines = ["-D", "daemon.state_dir=" + win_path(state), "-D", "http.port=0", "-D",
               "admin.port=0", "-D", "ratelimit.enabled=false"]
    env = {"CONTROLCENTER_ADMIN_PASSWORD": PASSWORD}

    rc, out = wine.run([exe, "--check-config", "-D", "admin.socket=C:\\cc\\admin.sock"])
    check("--check-config refuses admin.socket, naming the key",
          rc == 1 and "admin.socket" in out and "not supported on Windows" in out,
          "rc=%s\n%s" % (rc, out))

    daemon = wine.start([exe] + defines, log_path, env)
    listeners = wait_for(lambda: read_json(os.path.join(state, "listeners.json")), 90)
    if not check("daemon starts and writes listeners.json", listeners, read_text(log_path)):
        daemon.kill()
        return
    base = "http://" + listeners["http"]
    admin_base = "http://" + listeners["admin"]

    status, body = http("GET", base + "/health")
    check("GET /health answers 200 on a port the daemon picked",
          status == 200 and '"status"' in body, "%s %s" % (status, body))

    status, body = http("POST", base + "/api/auth/login",
                        {"username": "admin", "password": PASSWORD})
    token = json.loads(body).get("token") if status == 200 else None
    check("POST /api/auth/login with the initial admin password", token, "%s %s" % (status, body))
    status, body = http("POST", base + "/api/agents",
                        {"name": "wine-1", "level": "L2", "role": "builder"}, token)
    agent_id = json.loads(body).get("id") if status == 201 else None
    check("POST /api/agents stores an agent", agent_id, "%s %s" % (status, body))
    status, body = http("GET", base + "/api/agents/%s" % agent_id, token=token)
    check("GET /api/agents/ID reads it back from SQLite",
          status == 200 and json.loads(body).get("name") == "wine-1", "%s %s" % (status, body))
    dbs = [f for f in os.listdir(state) if f.endswith(".db")]
    check("the SQLite database is in daemon.state_dir", dbs, str(os.listdir(state)))

    second_log = os.path.join(work, "second.log")
    second = wine.start([exe] + defines, second_log, env)
    try:
        second_rc = second.wait(90)
    except subprocess.TimeoutExpired:
        second.kill()
        second_rc = None
    text = read_text(second_log)
    pid = listeners.get("pid")
    check("a second instance is refused by the PID lock naming the first",
          second_rc not in (None, 0) and "already running" in text and "pid %s" % pid in text,
          "rc=%s, first pid %s\n%s" % (second_rc, pid, text))

    token_file = win_path(os.path.join(state, "admin.token"))
    rc, out = wine.run([ctl, "--url", base, "--admin", admin_base, "--token-file", token_file,
                        "health"])
    # Exit 1 is warn or fail. Only the host collector may warn: on a loaded machine a sampling
    # round overruns its interval (a real finding about the machine, not about Windows).
    rows = re.findall(r"^([a-z_]+)\s+(pass|warn|fail)\s", out, re.M)
    not_passing = [(name, result) for name, result in rows if result != "pass"]
    if rc == 1 and not_passing == [("collector", "warn")]:
        note("controlcenterctl health: the collector warns (a sampling round overran its "
             "interval under load)")
    check("controlcenterctl health", rows and (rc == 0 or rc == 1 and
                                               not_passing == [("collector", "warn")]),
          "rc=%s\n%s" % (rc, out))
    rc, out = wine.run([ctl, "--url", base, "--admin", admin_base, "--token-file", token_file,
                        "status"])
    check("controlcenterctl status", rc == 0 and listeners["http"].split(":")[-1] in out,
          "rc=%s\n%s" % (rc, out))
    rc, out = wine.run([ctl, "--admin", "unix:/run/cc.sock", "--token-file", token_file,
                        "status"])
    check("controlcenterctl refuses a unix: admin address",
          rc not in (None, 0) and "not supported on Windows" in out, "rc=%s\n%s" % (rc, out))

    # Wine turns SIGINT to a console process into CTRL_C_EVENT for its console control handlers,
    # which is what Ctrl-C in a Windows console does.
    os.killpg(daemon.pid, signal.SIGINT)
    try:
        rc = daemon.wait(60)
    except subprocess.TimeoutExpired:
        # Where it is stuck, in full (check() keeps only the end of a detail): a CI failure then
        # shows the cause.
        note("the daemon has not exited 60 s after Ctrl-C; its threads:\n" +
             symbolize(exe, wine.backtrace(os.path.basename(exe))) + "\n" +
             unix_threads(daemon.pid))
        daemon.kill()
        rc = None
    log = read_text(log_path)
    check("Ctrl-C drains and exits 0", rc == 0, "rc=%s\n%s" % (rc, log[-3000:]))
    check("the stop removed listeners.json and the PID file",
          not os.path.exists(os.path.join(state, "listeners.json"))
          and not os.path.exists(os.path.join(state, "controlcenterd.pid")),
          str(os.listdir(state)))


def service_status(wine, name):
    """sc query's STATE, WIN32_EXIT_CODE and SERVICE_EXIT_CODE, or None when it knows no such
    service (or Wine did not answer)."""
    rc, out = wine.run(["sc", "query", name])
    # "        STATE              : 4  RUNNING", "        WIN32_EXIT_CODE    : 0  (0x0)", ...
    found = {key: (number, word) for key, number, word in re.findall(
        r"^\s*(STATE|WIN32_EXIT_CODE|SERVICE_EXIT_CODE)\s*:\s*(\d+)\s*(\S*)", out, re.M)}
    if rc != 0 or "STATE" not in found:
        return None
    return {"state": found["STATE"][1], "win32_exit": int(found["WIN32_EXIT_CODE"][0]),
            "exit": int(found["SERVICE_EXIT_CODE"][0]), "text": out}


def write_service_config(bin_dir, work, state, extra=""):
    with open(os.path.join(bin_dir, "controlcenterd.properties"), "w") as f:
        f.write("daemon.state_dir = %s\nhttp.port = 0\nadmin.port = 0\nlog.file = %s\n%s" %
                (win_path(state).replace("\\", "/"),
                 win_path(os.path.join(work, "service.log")).replace("\\", "/"), extra))


def service(wine, exe, work):
    state = os.path.join(work, "state")
    os.makedirs(state)
    # As installed: the configuration beside the executable, which is where the service, started
    # by the SCM without arguments, reads it.
    bin_dir = os.path.join(work, "bin")
    os.makedirs(bin_dir)
    exe = shutil.copy(exe, bin_dir)
    write_service_config(bin_dir, work, state)
    listeners_path = os.path.join(state, "listeners.json")
    service_log = os.path.join(work, "service.log")
    name = "controlcenterd"

    rc, out = wine.run([exe, "--registerService", "--displayName=controlcenter daemon",
                        "--startup=manual"])
    check("--registerService", rc == 0, "rc=%s\n%s" % (rc, out))

    # Wine's net start returns once the service has reported its first status (Windows' waits
    # for RUNNING); the daemon reports START_PENDING until it serves. The first RUNNING that
    # sc query shows must find listeners.json written: SERVICE_RUNNING means serving.
    rc, out = wine.run(["net", "start", name], timeout=300)
    seen = []

    def settled():
        status = service_status(wine, name)
        if status is None:
            return None
        if not seen or seen[-1] != status["state"]:
            seen.append(status["state"])
        if status["state"] in ("RUNNING", "STOPPED"):
            return dict(status, serving=os.path.exists(listeners_path))
        return None

    status = wait_for(settled, 120, step=0.5)
    note("service states seen after net start: %s" % " -> ".join(seen))
    check("net start: sc query says RUNNING", status and status["state"] == "RUNNING",
          "net start rc=%s\n%s\n%s\n%s" % (rc, out, status and status["text"],
                                           read_text(service_log)))
    check("RUNNING only once the service serves (listeners.json is there)",
          status and status["serving"], "states seen: %s" % seen)
    listeners = wait_for(lambda: read_json(listeners_path), 30)
    if listeners:
        status_code, body = http("GET", "http://%s/health" % listeners["http"])
        check("the service answers GET /health", status_code == 200,
              "%s %s" % (status_code, body))

    rc, out = wine.run(["net", "stop", name], timeout=300)
    gone = wait_for(lambda: not os.path.exists(listeners_path), 60)
    check("net stop: the service drains and removes listeners.json", gone,
          "net stop rc=%s\n%s\n%s" % (rc, out, read_text(service_log)[-3000:]))
    status = wait_for(lambda: (lambda st: st if st and st["state"] == "STOPPED" else None)(
        service_status(wine, name)), 60, step=1)
    check("sc query says STOPPED, exit code 0", status and status["win32_exit"] == 0,
          str(status and status["text"]))

    # A start that fails: the SCM learns why from the exit code (78, EX_CONFIG, for an invalid
    # configuration) instead of a service that said RUNNING and vanished.
    write_service_config(bin_dir, work, state, "http.port = 70000\n")
    rc, out = wine.run(["net", "start", name], timeout=300)
    status = wait_for(lambda: (lambda st: st if st and st["state"] == "STOPPED" else None)(
        service_status(wine, name)), 120, step=1)
    check("an invalid configuration: STOPPED with ERROR_SERVICE_SPECIFIC_ERROR, exit code 78",
          status and status["win32_exit"] == 1066 and status["exit"] == 78,
          "net start rc=%s\n%s\n%s" % (rc, out, status and status["text"]))
    write_service_config(bin_dir, work, state)

    rc, out = wine.run([exe, "--unregisterService"])
    check("--unregisterService", rc == 0, "rc=%s\n%s" % (rc, out))
    check("sc query no longer knows the service", service_status(wine, name) is None,
          wine.run(["sc", "query", name])[1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("build_dir")
    parser.add_argument("--work", help="directory for the WINEPREFIX and state (default: temp)")
    args = parser.parse_args()
    exe = os.path.abspath(os.path.join(args.build_dir, "controlcenterd.exe"))
    ctl = os.path.abspath(os.path.join(args.build_dir, "controlcenterctl.exe"))
    for f in (exe, ctl):
        if not os.path.isfile(f):
            sys.exit("wine_test: %s is missing (run scripts/build-windows.sh)" % f)
    work = args.work or tempfile.mkdtemp(prefix="cc-wine-")
    os.makedirs(work, exist_ok=True)
    wine = Wine(work)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
    try:
        t0 = time.monotonic()
        rc, out = wine.boot()
        if not check("a fresh WINEPREFIX boots", rc == 0, out):
            return 1
        note("wineboot took %.0f s" % (time.monotonic() - t0))
        rc, out = wine.run([exe, "--version"])
        check("controlcenterd.exe --version runs under Wine", rc == 0 and "controlcenterd" in out,
              "rc=%s\n%s" % (rc, out))
        console_daemon(wine, exe, ctl, os.path.join(work, "console"))
        service(wine, exe, os.path.join(work, "service"))
        # What passing here does not show of real Windows (docs/windows.md lists the same).
        note("not shown by Wine: the Windows kernel's sockets and file locks (Wine maps them to "
             "Linux ones), the service under LocalSystem with real ACLs and the secret files' "
             "inherited ACL, host metrics as Task Manager sees them, Ctrl+Break, closing the "
             "console window, a stop at system shutdown")
    finally:
        wine.stop_server()
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    passed = sum(RESULTS)
    failed = len(RESULTS) - passed
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
