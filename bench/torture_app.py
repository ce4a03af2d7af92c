"""The torture run's app: the real Fieldnotes in its own process on a loopback port, killed with SIGKILL."""
import http.client
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from importlib.util import find_spec
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "torture-run-secret-key-not-for-production-0123456789"


# --- the app in its own process, killed and restarted --------------------------------------------

def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class AppServer:
    """The real app, served on one loopback port; kill() is SIGKILL to its whole process group."""

    def __init__(self, url, port, workdir):
        self.port, self.process = port, None
        self.log = open(Path(workdir) / "server.log", "ab")
        self.env = {**os.environ, "FIELDNOTES_DATABASE_URL": url, "FIELDNOTES_SECRET_KEY": SECRET_KEY,
                    "FIELDNOTES_ENV": "production", "FIELDNOTES_SECURE_COOKIES": "0",  # plain HTTP on loopback
                    "FIELDNOTES_PROXIES": "0", "FIELDNOTES_MEDIA_ROOT": str(Path(workdir) / "media"),
                    "PYTHONUNBUFFERED": "1"}
        self.command = server_command(url, port)

    def start(self):
        self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        self.wait_ready()

    def wait_ready(self, timeout=120):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited with {self.process.returncode}; see {self.log.name}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/login", timeout=5) as response:
                    if response.status == 200:
                        return
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.1)
        raise RuntimeError(f"the app did not answer within {timeout} s; see {self.log.name}")

    def kill(self):
        """kill -9 the server and every worker it started (they share its process group)."""
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self):
        if self.process and self.process.poll() is None:
            self.kill()
        self.log.close()


def server_command(url, port):
    """gunicorn as the README deploys it (one worker with threads on SQLite), else flask's own server."""
    if find_spec("gunicorn"):
        workers = "1" if url.startswith("sqlite") else "3"
        return [sys.executable, "-m", "gunicorn", "--workers", workers, "--threads", "8",
                "--bind", f"127.0.0.1:{port}", "--timeout", "120", "wsgi:app"]
    return [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--host", "127.0.0.1",
            "--port", str(port), "--no-reload", "--no-debugger", "--with-threads"]
