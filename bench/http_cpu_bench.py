"""The server's CPU per request for the two requests a phone repeats, one client at a time: a pull with no
changes and a push of 5 new realistic notes (issue 11, session 5).

    .venv/bin/python bench/http_cpu_bench.py                      # SQLite file in a temp dir
    .venv/bin/python bench/http_cpu_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fn_http_cpu
    BENCH_TREE=/tmp/before .venv/bin/python bench/http_cpu_bench.py [url]   # the same on another checkout
    BENCH_PROFILE=push .venv/bin/python bench/http_cpu_bench.py [url]       # where a push's time goes
    BENCH_PROFILE=pull .venv/bin/python bench/http_cpu_bench.py [url]       # the same for a no-change pull
    BENCH_PROFILE=trips .venv/bin/python bench/http_cpu_bench.py <pg url>   # a push of 5's round trips, listed
    BENCH_PROFILE_OUT=/tmp/push.prof BENCH_PROFILE=push ...                  # the profile kept, for pstats
    BENCH_PROFILE=split .venv/bin/python bench/http_cpu_bench.py <pg url>   # a push's CPU: app and PostgreSQL's
    BENCH_BATCH=50 BENCH_PROFILE=split ...                                   # the same for pushes of 50 notes

The PostgreSQL database must exist; its tables are dropped and made again. The app under gunicorn as
deployed (pull_bench.serve / counter_bench.serve), beside the same gunicorn serving the bare Flask
floors (a small JSON answer; a push body read and answered), one keep-alive client sending BENCH_REQUESTS
(500) of each, BENCH_ROUNDS (3) times, app and floor interleaved. Reported: the gunicorn workers' CPU per
request, from /proc. With one client nothing waits for anything, so on a machine shared with other work
this is the steady figure (http_pull_bench.py and counter_bench.py give the rates with 20 clients). The
database server's own CPU (PostgreSQL) is not counted.
BENCH_PROFILE instead sends BENCH_REQUESTS of one kind through the WSGI app in-process (Flask's test
client, no gunicorn) under cProfile, prints the CPU time per request without the profiler (medians of 3,
alternate with BENCH_TREE to compare trees) and the top functions by own and by total time.
"""
import cProfile
import functools
import http.client
import io
import pstats
import time
import json
import os
import statistics
import sys
import tempfile
import uuid
from pathlib import Path

TREE = Path(os.environ.get("BENCH_TREE", Path(__file__).resolve().parent.parent)).resolve()
sys.path.insert(0, str(TREE))
sys.path.insert(1, str(Path(__file__).resolve().parent))

import fieldnotes  # noqa: E402,F401  (from TREE, before push_bench puts this tree first)
import counter_bench  # noqa: E402
import pull_bench  # noqa: E402
from http_pull_bench import server_cpu  # noqa: E402

pull_bench.TREE = counter_bench.TREE = TREE
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 500))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 3))
# Notes a push in the in-process profiles (BENCH_PROFILE): 5 as a phone sends after each note, up to 50 as
# after a day offline (the torture run's batches). The gunicorn figures are for pushes of 5 only.
BATCH = int(os.environ.get("BENCH_BATCH", 5))


def cpu_per_request(master, send):
    for _ in range(30):  # warm: statement caches, the pool, the session cookie
        send()
    began = server_cpu(master)
    for _ in range(REQUESTS):
        send()
    return (server_cpu(master) - began) / REQUESTS * 1000


def sender(port, method, path, cookie, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    headers = {"Content-Type": "application/json", **({"Cookie": cookie} if cookie else {})}

    def send():
        connection.request(method, path, body() if body else None, headers)
        response = connection.getresponse()
        answer = response.read()
        assert response.status == 200 and (b'"changes":[]' in answer or b'"applied"' in answer), answer[:200]
    return send


def pull_to_end(port, cookie, study_id):
    """The cursor at the end of the study's stream, pulled page by page."""
    connection, cursor = http.client.HTTPConnection("127.0.0.1", port), ""
    while True:
        connection.request("GET", f"/api/sync/pull?study_id={study_id}&limit=500&cursor={cursor}",
                           headers={"Cookie": cookie})
        page = json.loads(connection.getresponse().read())
        cursor = page["cursor"]
        if not page["has_more"]:
            return cursor


def in_process(app, study_id, batch):
    """(send one request, what it is) through the WSGI app: no server, no other process's CPU."""
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": counter_bench.push_bench.PASSWORD})
    if os.environ["BENCH_PROFILE"] == "push":
        def send():
            response = client.post("/api/sync/push", data=batch(), content_type="application/json")
            assert response.status_code == 200 and b'"applied"' in response.data, response.data[:200]
        send()
        return send, f"pushes of {BATCH} new notes"
    cursor, more = "", True
    while more:
        page = client.get(f"/api/sync/pull?study_id={study_id}&limit=500&cursor={cursor}").get_json()
        cursor, more = page["cursor"], page["has_more"]
    path = f"/api/sync/pull?study_id={study_id}&limit=500&cursor={cursor}"

    def send():
        response = client.get(path)
        assert response.status_code == 200 and response.get_json()["changes"] == [], response.data[:200]
    return send, "pulls with no changes"


def round_trips(app, study_id, batch):
    """What one push of 5 sends PostgreSQL, in order: statements and psycopg's transaction commands."""
    import psycopg
    from sqlalchemy import event
    os.environ["BENCH_PROFILE"] = "push"
    send, _ = in_process(app, study_id, batch)
    for _ in range(10):  # warm, as the CPU figures are
        send()
    sent = []
    with app.app_context():
        engine = counter_bench.push_bench.db.engine
    event.listen(engine, "before_cursor_execute", lambda _c, _cu, statement, *_: sent.append(statement.split()[0]))
    command = psycopg.Connection._exec_command
    psycopg.Connection._exec_command = lambda self, c, *a, **k: sent.append(bytes(c).decode()) or command(self, c, *a, **k)
    send()
    psycopg.Connection._exec_command = command
    print(f"a push of 5 new notes: {len(sent)} round trips: {', '.join(sent)}")


def database_cpu():
    """CPU seconds PostgreSQL's processes used so far (a local server: the postmaster's children, live and
    reaped, from /proc; the oldest process named postgres is the postmaster)."""
    postmaster = min((int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit() and
                      (p / "comm").exists() and (p / "comm").read_text().strip() == "postgres"), default=None,
                     key=lambda pid: int(Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[19]))
    fields = Path(f"/proc/{postmaster}/stat").read_text().rpartition(")")[2].split()
    ticks = sum(int(f) for f in fields[11:15])  # its own and its reaped children's user and system time
    for pid in Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split():
        try:
            ticks += sum(int(f) for f in Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[11:13])
        except FileNotFoundError:  # ended between the listing and the read: counted among the reaped next time
            pass
    return ticks / os.sysconf("SC_CLK_TCK")


def split(app, study_id, batch):
    """CPU per push in-process, the app's (this process) and PostgreSQL's, REQUESTS a round, 3 rounds."""
    send, what = in_process(app, study_id, batch)
    for _ in range(30):
        send()
    for _ in range(3):
        database, began = database_cpu(), time.process_time()
        for _ in range(REQUESTS):
            send()
        app_ms = (time.process_time() - began) / REQUESTS * 1000
        print(f"{REQUESTS} {what}: app {app_ms:.2f} ms, database {(database_cpu() - database) / REQUESTS * 1000:.2f}"
              f" ms CPU each; load {os.getloadavg()[0]:.1f}")


def profile(app, study_id, batch):
    if os.environ["BENCH_PROFILE"] == "trips":
        return round_trips(app, study_id, batch)
    if os.environ["BENCH_PROFILE"] == "split":
        os.environ["BENCH_PROFILE"] = "push"
        return split(app, study_id, batch)
    send, what = in_process(app, study_id, batch)
    for _ in range(30):
        send()
    times = []
    for _ in range(3):
        began = time.process_time()
        for _ in range(REQUESTS):
            send()
        times.append((time.process_time() - began) / REQUESTS * 1000)
    print(f"{REQUESTS} {what} in-process, CPU per request without the profiler: "
          f"{', '.join(f'{t:.2f}' for t in sorted(times))} ms; load {os.getloadavg()}")
    profiler = cProfile.Profile(time.process_time)  # CPU: waits on the database would swamp it
    profiler.enable()
    for _ in range(REQUESTS):
        send()
    profiler.disable()
    if os.environ.get("BENCH_PROFILE_OUT"):
        profiler.dump_stats(os.environ["BENCH_PROFILE_OUT"])  # for pstats or snakeviz, by caller
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(40)
        print(out.getvalue())


def main():
    workdir = tempfile.mkdtemp(prefix="http-cpu-bench-")
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{workdir}/bench.sqlite"
    app, study_id, _, terms, _ = counter_bench.push_bench.build_app(url)
    notes = iter(counter_bench.push_bench.mutations(study_id, terms) * 1000)
    device = str(uuid.uuid4())

    def batch(size=5):
        return json.dumps({"device_id": device, "mutations": [
            {**next(notes), "mutation_id": str(uuid.uuid4()), "entity_id": str(uuid.uuid4())} for _ in range(size)]})
    if os.environ.get("BENCH_PROFILE"):
        if os.environ["BENCH_PROFILE"] != "trips":
            batch = functools.partial(batch, BATCH)
        print(f"tree {TREE}; {'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}")
        profile(app, study_id, batch)
        return
    with app.app_context():
        counter_bench.push_bench.db.engine.dispose()
    print(f"tree {TREE}; {'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}; load {os.getloadavg()}")
    served, port = counter_bench.serve("wsgi:app", url, workdir, TREE)
    bare_pull, pull_port = pull_bench.serve("pull_bench:bare_app()", url, workdir, Path(__file__).parent)
    bare_push, push_port = counter_bench.serve("counter_bench:bare_app()", url, workdir, Path(__file__).parent)
    try:
        cookie = counter_bench.sign_in(port)
        sender(port, "POST", "/api/sync/push", cookie, batch)()
        rows = []
        for _ in range(ROUNDS):
            # The pushes move the stream on: each round's pulls start from its end again.
            pull_path = f"/api/sync/pull?study_id={study_id}&cursor={pull_to_end(port, cookie, study_id)}&limit=500"
            pull = cpu_per_request(served.pid, sender(port, "GET", pull_path, cookie))
            floor_pull = cpu_per_request(bare_pull.pid, sender(pull_port, "GET", pull_path, None))
            push = cpu_per_request(served.pid, sender(port, "POST", "/api/sync/push", cookie, batch))
            floor_push = cpu_per_request(bare_push.pid, sender(push_port, "POST", "/api/sync/push", None, batch))
            rows.append((pull, floor_pull, push, floor_push))
    finally:
        for process in (served, bare_pull, bare_push):
            os.killpg(process.pid, 15)
            process.wait()
    for pull, floor_pull, push, floor_push in rows:
        print(f"  pull with no changes {pull:.2f} ms CPU (bare {floor_pull:.2f}: {floor_pull / pull:.2f} of it); "
              f"push of 5 {push:.2f} ms CPU (bare {floor_push:.2f}: {floor_push / push:.3f} of it)")
    pull, floor_pull, push, floor_push = (statistics.median(row[i] for row in rows) for i in range(4))
    print(f"medians of {ROUNDS} x {REQUESTS}, one client: pull with no changes {pull:.2f} ms CPU, bare {floor_pull:.2f}"
          f" ({floor_pull / pull:.2f}); push of 5 {push:.2f} ms CPU, bare {floor_push:.2f} ({floor_push / push:.3f});"
          f" load after {os.getloadavg()}")


if __name__ == "__main__":
    main()
