"""A Release controlcenterd on loopback for the Python benches: a temp state dir, port 0, the
reference configuration without rate limits (unless `defines` says otherwise), an admin-role API
token; stop() ends it (SIGTERM, then SIGKILL) and removes its directory."""
import json, os, re, resource, shutil, signal, subprocess, sys, tempfile, time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Daemon:
    def __init__(self, binary, env_extra=None, defines=(), open_files=None, config=None):
        """env_extra: environment added; defines: KEY=VALUE for -D; open_files: RLIMIT_NOFILE;
        config: the reference configuration to start from (this tree's by default; another
        build's own for a comparison)."""
        self.dir = tempfile.mkdtemp(prefix="cc-bench-")
        env = dict(os.environ, CONTROLCENTER_ADMIN_PASSWORD="bench-password-123", **(env_extra or {}))
        self.log_path = os.path.join(self.dir, "daemon.log")
        self.log = open(self.log_path, "w")

        def limit_files():
            resource.setrlimit(resource.RLIMIT_NOFILE, (open_files, open_files))

        # The bench's settings, each of which `defines` may override.
        settings = {"daemon.state_dir": self.dir, "http.port": "0", "admin.port": "0",
                    "log.access": "off", "ratelimit.enabled": "false",
                    "http.max_connections_per_client": "0", "ws.max_connections_per_client": "5000"}
        settings.update(kv.split("=", 1) for kv in defines)
        self.proc = subprocess.Popen(
            [binary, "--config", config or os.path.join(ROOT, "etc/controlcenterd.properties")]
            + [a for k, v in settings.items() for a in ("-D", f"{k}={v}")],
            env=env, stdout=self.log, stderr=subprocess.STDOUT,
            preexec_fn=limit_files if open_files else None)
        listeners = os.path.join(self.dir, "listeners.json")
        for _ in range(3000):
            if os.path.exists(listeners) and os.path.getsize(listeners) > 0:
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.01)
        if not os.path.exists(listeners) or os.path.getsize(listeners) == 0:
            print(self.log_text(), file=sys.stderr)
            self.stop()
            sys.exit("controlcenterd did not start")
        with open(listeners) as f:
            d = json.load(f)
        self.http, self.admin = d["http"], d["admin"]
        with open(os.path.join(self.dir, "admin.token")) as f:
            admin_token = f.read().strip()
        req = urllib.request.Request(
            f"http://{self.admin}/admin/tokens", data=b'{"role":"admin","ttl_s":3600}',
            headers={"Authorization": "Bearer " + admin_token, "Content-Type": "application/json"})
        self.token = json.load(urllib.request.urlopen(req))["token"]

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def wrk(url, token, seconds, conns=50):
    """wrk -t2 --latency on `url` with the bearer token: req/s, p50 and p99 in ms, counts."""
    out = subprocess.run(["wrk", "-t2", f"-c{conns}", f"-d{seconds}s", "--latency", "-H",
                          f"Authorization: Bearer {token}", url],
                         capture_output=True, text=True, check=True).stdout

    def ms(label):
        m = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        if not m:
            return None
        v = float(m.group(1))
        return round(v / 1000 if m.group(2) == "us" else v * 1000 if m.group(2) == "s" else v, 3)

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {"req_s": float(rps.group(1)) if rps else None, "p50_ms": ms("50"), "p99_ms": ms("99"),
            "requests": int(total.group(1)) if total else None,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0}


class ThrowawayRedis:
    """A Redis of the bench's own (scripts/redis-server.sh: password, loopback); `env` holds
    CC_TEST_REDIS_URL and CC_TEST_REDIS_PASSWORD_FILE; stop() stops it and removes its dir."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="cc-bench-redis-")
        os.rmdir(self.dir)  # the script wants to make it
        started = subprocess.run([os.path.join(ROOT, "scripts/redis-server.sh"), "start", self.dir],
                                 capture_output=True, text=True, check=True).stdout
        self.env = dict(line.split("=", 1) for line in started.split() if "=" in line)

    def defines(self):
        """The -D settings that point a daemon at this Redis."""
        return ["redis.url=" + self.env["CC_TEST_REDIS_URL"],
                "redis.password_file=" + self.env["CC_TEST_REDIS_PASSWORD_FILE"]]

    def stop(self):
        subprocess.run([os.path.join(ROOT, "scripts/redis-server.sh"), "stop", self.dir])


def open_websocket(address, path, timeout=10):
    """A blocking socket upgraded to a WebSocket on `address` (host:port) at `path`, and the bytes
    that came after the 101's head; raises RuntimeError with the status line when refused."""
    import base64, socket
    host, port = address.rsplit(":", 1)
    sock = socket.create_connection((host, int(port)), timeout=timeout)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall((f"GET {path} HTTP/1.1\r\nHost: {address}\r\nUpgrade: websocket\r\n"
                  f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                  "Sec-WebSocket-Version: 13\r\n\r\n").encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise RuntimeError("the connection closed during the upgrade")
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    if b" 101 " not in head.split(b"\r\n")[0]:
        raise RuntimeError(head.split(b"\r\n")[0].decode())
    return sock, rest
