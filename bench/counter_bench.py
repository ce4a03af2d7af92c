"""Twenty phones pushing at once (issue 11, item 5): how long a push holds the change counter, push latency
p50/p95 and pushes a second over HTTP beside a bare Flask floor, in one run.

    .venv/bin/python bench/counter_bench.py                      # SQLite file in a temp dir
    .venv/bin/python bench/counter_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fn_counter_bench
    BENCH_TREE=/tmp/before .venv/bin/python bench/counter_bench.py [url]   # the same run on another checkout

The PostgreSQL database must exist; its tables are dropped and made again.
Notes are push_bench.py's realistic notes (touchpoint, role, participant, visit, 0-3 tags).
- hold:  in-process, PHONES threads each pushing BATCHES batches of BATCH new notes through the
         Flask test client (each its own device). For every push transaction: how long it held the
         counter (its `UPDATE sync_state` answered, to the end of its commit: engine and session
         events), how long it waited for it, and the push's own latency. BENCH_HTTP=0: this part only.
- http:  the real app under gunicorn (1 worker on SQLite, 3 on PostgreSQL, 8 threads each, as the
         README deploys it), PHONES client threads with keep-alive, each pushing batches of 5 new
         notes for HTTP_SECONDS: pushes a second and latency p50/p95; beside the same gunicorn
         serving a bare Flask app that reads the JSON body and answers a small JSON (the floor).
"""
import http.client
import json
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

TREE = Path(os.environ.get("BENCH_TREE", Path(__file__).resolve().parent.parent)).resolve()
sys.path.insert(0, str(TREE))
sys.path.insert(1, str(Path(__file__).resolve().parent))

import fieldnotes  # noqa: E402,F401  (from TREE, before push_bench puts this tree first)
import tests.factories  # noqa: E402,F401
from sqlalchemy import event  # noqa: E402

PHONES = int(os.environ.get("BENCH_PHONES", 20))
BATCH, BATCHES = int(os.environ.get("BENCH_BATCH", 25)), int(os.environ.get("BENCH_BATCHES", 8))
HTTP_BATCH, HTTP_SECONDS = 5, float(os.environ.get("BENCH_HTTP_SECONDS", 8))
os.environ.setdefault("BENCH_NOTES", str(PHONES * BATCH * BATCHES))

import push_bench  # noqa: E402
from pull_bench import free_port  # noqa: E402

PASSWORD = "correct horse battery staple"
SECRET = "counter-bench-secret-key-not-for-production-0123"


def bare_app():
    """The HTTP floor: Flask with nothing of ours, reading the body and answering one result per mutation."""
    from flask import Flask, request
    app = Flask("bare")

    @app.post("/api/sync/push")
    def push():
        body = request.get_json()
        return {"epoch": "0123456789abcdef", "results": [
            {"mutation_id": m["mutation_id"], "status": "applied", "entity_id": m["entity_id"],
             "version": 1, "seq": 1} for m in body["mutations"]]}
    return app


# --- hold: in-process, the counter's hold per push ------------------------------------------------------

class Holds:
    """Per push transaction: how long it waited for the counter (its first `UPDATE sync_state`, asked to
    answered) and how long it held it (answered to the end of its commit). Per thread: one transaction."""

    def __init__(self, app):
        from fieldnotes.extensions import db
        self.local, self.holds, self.waits = threading.local(), [], []
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self.asked)
            event.listen(db.engine, "after_cursor_execute", self.answered)
        event.listen(db.session, "after_commit", self.committed)

    @staticmethod
    def counter(statement):
        # Its own UPDATE, or a CTE of the statement that numbers (session 8) or writes (session 9) a push's notes.
        return "UPDATE SYNC_STATE SET COUNTER" in statement[:200].upper()

    def asked(self, conn, cursor, statement, *args):
        if self.counter(statement) and getattr(self.local, "held", None) is None:
            self.local.asked = time.perf_counter()

    def answered(self, conn, cursor, statement, *args):
        if self.counter(statement) and getattr(self.local, "held", None) is None:
            self.local.held = time.perf_counter()
            self.waits.append(self.local.held - self.local.asked)

    def committed(self, session):
        if getattr(self.local, "held", None) is not None:
            self.holds.append(time.perf_counter() - self.local.held)
            self.local.held = None


def phone(app, batches, latencies, failures):
    client = app.test_client()
    response = client.post("/login", data={"email": "bench@example.org", "password": push_bench.PASSWORD})
    assert response.status_code in (302, 303), response.status_code
    device = str(uuid.uuid4())
    for batch in batches:
        began = time.perf_counter()
        response = client.post("/api/sync/push", json={"device_id": device, "mutations": batch})
        latencies.append(time.perf_counter() - began)
        if response.status_code != 200 or any(r["status"] != "applied" for r in response.json["results"]):
            failures.append((response.status_code, response.get_data(as_text=True)[:200]))


def hold_run(app, notes):
    holds, latencies, failures = Holds(app), [], []
    per_phone = [notes[p * BATCH * BATCHES:(p + 1) * BATCH * BATCHES] for p in range(PHONES)]
    threads = [threading.Thread(target=phone, args=(app, [mine[i:i + BATCH] for i in range(0, len(mine), BATCH)],
                                                     latencies, failures)) for mine in per_phone]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    assert not failures, failures[:2]
    return wall, latencies, holds


# --- http: 20 phones pushing 5 notes at a time -----------------------------------------------------------

def serve(target, url, workdir, chdir):
    import subprocess
    port = free_port()
    workers = "1" if url.startswith("sqlite") else "3"
    env = {**os.environ, "FIELDNOTES_DATABASE_URL": url, "FIELDNOTES_SECRET_KEY": SECRET,
           "FIELDNOTES_ENV": "production", "FIELDNOTES_SECURE_COOKIES": "0",
           "FIELDNOTES_MEDIA_ROOT": f"{workdir}/media", "PYTHONPATH": f"{TREE}:{Path(__file__).parent}"}
    log = open(Path(workdir) / f"gunicorn-{port}.log", "ab")
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--workers", workers, "--threads", "8",
                                "--bind", f"127.0.0.1:{port}", "--chdir", str(chdir), target],
                               env=env, stdout=log, stderr=log, start_new_session=True)
    for _ in range(300):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=1).request("GET", "/")
            return process, port
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"gunicorn did not start; see {workdir}")


def sign_in(port):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    body = f"email=bench%40example.org&password={push_bench.PASSWORD.replace(' ', '+')}"
    connection.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                "Origin": f"http://127.0.0.1:{port}"})
    response = connection.getresponse()
    response.read()
    cookies = [c.split(";")[0] for name, c in response.getheaders() if name.lower() == "set-cookie"]
    assert response.status in (302, 303) and cookies, response.status
    return "; ".join(cookies)


def hammer(port, cookie, make_batch, master=None):
    """PHONES threads with keep-alive pushing batches for HTTP_SECONDS after a second of warm-up:
    (pushes a second, latencies of the pushes in the measured window, the gunicorn workers' CPU ms per
    push in that window: steadier than the rate on a shared machine; the database's own CPU not included)."""
    stop, measuring, latencies, failures = threading.Event(), threading.Event(), [], []

    def client(index):
        connection, device = http.client.HTTPConnection("127.0.0.1", port), str(uuid.uuid4())
        headers = {"Content-Type": "application/json", **({"Cookie": cookie} if cookie else {})}
        while not stop.is_set():
            body = json.dumps({"device_id": device, "mutations": make_batch()})
            began = time.perf_counter()
            connection.request("POST", "/api/sync/push", body, headers)
            response = connection.getresponse()
            answer = response.read()
            if response.status != 200 or b'"applied"' not in answer:
                failures.append((response.status, answer[:200]))
                return
            if measuring.is_set() and not stop.is_set():
                latencies.append(time.perf_counter() - began)
    threads = [threading.Thread(target=client, args=(i,)) for i in range(PHONES)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    measuring.set()
    began, cpu = time.perf_counter(), server_cpu(master)
    time.sleep(HTTP_SECONDS)
    stop.set()
    elapsed, cpu = time.perf_counter() - began, server_cpu(master) - cpu
    for thread in threads:
        thread.join()
    assert not failures, failures[:1]
    return len(latencies) / elapsed, latencies, cpu / max(len(latencies), 1) * 1000


def server_cpu(master):
    """CPU seconds used so far by a gunicorn master's workers (Linux /proc); 0 without a master."""
    if master is None:
        return 0
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for pid in Path(f"/proc/{master}/task/{master}/children").read_text().split():
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def http_run(url, study_id, terms, workdir):
    source = iter(push_bench.mutations(study_id, terms) * 1000)  # ids are made afresh below
    lock = threading.Lock()

    def batch():
        with lock:
            picked = [next(source) for _ in range(HTTP_BATCH)]
        return [{**m, "mutation_id": str(uuid.uuid4()), "entity_id": str(uuid.uuid4())} for m in picked]
    app, app_port = serve("wsgi:app", url, workdir, TREE)
    bare, bare_port = serve("counter_bench:bare_app()", url, workdir, Path(__file__).parent)
    try:
        cookie = sign_in(app_port)
        rounds = []
        for _ in range(int(os.environ.get("BENCH_ROUNDS", 2))):  # interleaved: the load falls on both alike
            rounds.append((hammer(app_port, cookie, batch, app.pid), hammer(bare_port, None, batch, bare.pid)))
        return rounds
    finally:
        for process in (app, bare):
            os.killpg(process.pid, 15)
            process.wait()


def ms(values, q):
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000


def main():
    workdir = tempfile.mkdtemp(prefix="counter-bench-")
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{workdir}/bench.sqlite"
    app, study_id, _, terms, _ = push_bench.build_app(url)
    notes = push_bench.mutations(study_id, terms)
    print(f"tree {TREE}; backend={url.split(':')[0]}; load {os.getloadavg()[0]:.1f}")
    if os.environ.get("BENCH_HOLD", "1") != "1":  # BENCH_HOLD=0: the HTTP part only
        for n, ((rate, lat, cpu), (bare_rate, _, bare_cpu)) in enumerate(
                http_run(url, study_id, terms, workdir), 1):
            print(f"http round {n}: {PHONES} phones pushing {HTTP_BATCH} notes: app {rate:.0f} pushes/s "
                  f"({cpu:.2f} ms CPU each), p50 {ms(lat, 50):.0f} ms, p95 {ms(lat, 95):.0f} ms; bare Flask "
                  f"{bare_rate:.0f} req/s ({bare_cpu:.2f} ms CPU each); app/bare {rate / bare_rate:.3f} by rate, "
                  f"{bare_cpu / cpu:.3f} by CPU")
        print(f"load after {os.getloadavg()[0]:.1f}")
        return
    wall, latencies, holds = hold_run(app, notes)
    print(f"hold: {PHONES} phones x {BATCHES} pushes of {BATCH} notes in-process in {wall:.1f} s: push p50 "
          f"{ms(latencies, 50):.0f} ms, p95 {ms(latencies, 95):.0f} ms; counter held per push p50 "
          f"{ms(holds.holds, 50):.1f} ms, p95 {ms(holds.holds, 95):.1f} ms, max {max(holds.holds) * 1000:.1f} ms; "
          f"waited for it p50 {ms(holds.waits, 50):.1f} ms, p95 {ms(holds.waits, 95):.1f} ms "
          f"({len(holds.holds)} transactions)")
    if os.environ.get("BENCH_HTTP", "1") != "1":
        return
    for n, ((rate, lat, _), (bare_rate, _, _)) in enumerate(http_run(url, study_id, terms, workdir), 1):
        print(f"http round {n}: {PHONES} phones pushing {HTTP_BATCH} notes: app {rate:.0f} pushes/s, p50 "
              f"{ms(lat, 50):.0f} ms, p95 {ms(lat, 95):.0f} ms; bare Flask {bare_rate:.0f} req/s; "
              f"app/bare {rate / bare_rate:.3f}")
    print(f"load after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
