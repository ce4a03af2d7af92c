"""What the live tests and the load run (bench/live_load.py) share: the app under gunicorn, a screen
that follows an event stream as a browser's EventSource does, and which worker holds which stream.

Plain http.client and threads, no extra package: a screen reconnects when its connection drops and
sends Last-Event-ID, as EventSource does, so a test can see it miss nothing and repeat nothing.
"""
import http.client
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

TREE = Path(__file__).resolve().parent.parent
SECRET = "live run secret key, not for production"


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(database_url, workdir, workers=2, threads=64, extra_env=None, app="wsgi:app"):
    """The app (module:name) under gunicorn with the project's gunicorn.conf.py (gthread); (process, port)."""
    port = free_port()
    env = {**os.environ, "FIELDNOTES_DATABASE_URL": database_url, "FIELDNOTES_SECRET_KEY": SECRET,
           "FIELDNOTES_ENV": "production", "FIELDNOTES_SECURE_COOKIES": "0",
           "FIELDNOTES_MEDIA_ROOT": f"{workdir}/media",
           "PYTHONPATH": str(TREE), **(extra_env or {})}
    with open(Path(workdir) / f"gunicorn-{port}.log", "ab") as log:  # the server keeps its own copy open
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", str(TREE / "gunicorn.conf.py"), "--workers", str(workers),
             "--threads", str(threads), "--bind", f"127.0.0.1:{port}", "--chdir", str(TREE), app],
            env=env, stdout=log, stderr=log, start_new_session=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        try:
            connection.request("GET", "/login")
            response = connection.getresponse()
            response.read()
            if response.status == 200 and len(workers_of(process.pid)) == workers:
                return process, port
        except OSError:
            pass
        finally:
            connection.close()
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"gunicorn did not start; see {workdir}")


def stop_gunicorn(process):
    process.terminate()
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


def sign_in(port, email, password):
    """The session cookie of a signed-in person (the login form, as a browser posts it)."""
    from urllib.parse import urlencode
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("POST", "/login", urlencode({"email": email, "password": password}),
                       {"Content-Type": "application/x-www-form-urlencoded", "Origin": f"http://127.0.0.1:{port}"})
    response = connection.getresponse()
    response.read()
    connection.close()
    cookies = [c.split(";")[0] for name, c in response.getheaders() if name.lower() == "set-cookie"]
    assert response.status in (302, 303) and cookies, response.status
    return "; ".join(cookies)


def post_json(connection, port, path, body, cookie):
    """(status, answer) of a JSON POST on a kept-alive connection."""
    connection.request("POST", path, json.dumps(body), {
        "Content-Type": "application/json", "Accept": "application/json", "Cookie": cookie,
        "Origin": f"http://127.0.0.1:{port}"})
    response = connection.getresponse()
    data = response.read()
    return response.status, (json.loads(data) if data.startswith(b"{") else data[:200])


class Screen(threading.Thread):
    """A screen following an event stream: every `id` with when it arrived; it reconnects (after the
    stream's `retry`, as EventSource does) with Last-Event-ID when the connection drops."""

    def __init__(self, port, path, cookie, read_timeout=30):
        super().__init__(daemon=True)
        self.port, self.path, self.cookie, self.read_timeout = port, path, cookie, read_timeout
        self.ids, self.arrivals, self.refusals, self.drops = [], [], [], 0
        self.connections = 0
        self.retry = 1.0
        self.last = 0
        self.changed = threading.Condition()
        self.stopping = threading.Event()
        self.sock = None

    def run(self):
        while not self.stopping.is_set():
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.read_timeout)
            try:
                self.follow(connection)
            except (OSError, http.client.HTTPException):
                pass
            finally:
                connection.close()
            if self.stopping.is_set():
                return
            self.drops += 1
            time.sleep(self.retry)

    def follow(self, connection):
        headers = {"Cookie": self.cookie, "Accept": "text/event-stream"}
        if self.last:
            headers["Last-Event-ID"] = str(self.last)
        connection.request("GET", self.path, headers=headers)
        self.sock = connection.sock
        response = connection.getresponse()
        if response.status != 200:
            self.refusals.append(response.status)
            response.read()
            return
        with self.changed:
            self.connections += 1
            self.changed.notify_all()
        seq = None
        while not self.stopping.is_set():
            line = response.readline()
            if not line:
                return  # the stream ended (the server closed it)
            line = line.decode().rstrip("\n")
            if line.startswith("id: "):
                seq = int(line[4:])
            elif line.startswith("retry: "):
                self.retry = int(line[7:]) / 1000
            elif line == "" and seq is not None:
                with self.changed:
                    self.ids.append(seq)
                    self.arrivals.append((seq, time.monotonic()))
                    self.last = seq
                    self.changed.notify_all()
                seq = None

    def wait_for(self, seq, timeout=10):
        with self.changed:
            return self.changed.wait_for(lambda: self.last >= seq, timeout)

    def wait_connected(self, times=1, timeout=10):
        with self.changed:
            return self.changed.wait_for(lambda: self.connections >= times, timeout)

    def stop(self):
        self.stopping.set()
        if self.sock is not None:
            try:
                self.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.join(5)


def workers_of(master_pid):
    """The pids of a gunicorn master's workers (from /proc: Linux only)."""
    workers = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == master_pid:  # the field after the state: its parent
            workers.append(int(entry.name))
    return workers


def established_inodes(port):
    """Socket inodes of the server ends of established TCP connections on 127.0.0.1:`port`."""
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state == "01" and int(local.split(":")[1], 16) == port:
                inodes.add(inode)
    return inodes


def connections_by_worker(master_pid, port):
    """{worker pid: how many established client connections it holds}."""
    inodes = established_inodes(port)
    held = {}
    for pid in workers_of(master_pid):
        count = 0
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            try:
                target = os.readlink(fd)
            except OSError:
                continue
            if target.startswith("socket:[") and target[8:-1] in inodes:
                count += 1
        held[pid] = count
    return held


def rss_kb(pids):
    """Resident memory of these processes, summed (from /proc)."""
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total
