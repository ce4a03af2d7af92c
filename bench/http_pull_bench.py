"""A pull with no changes, the request every open capture screen repeats: its fixed cost per request.

    .venv/bin/python bench/http_pull_bench.py                      # SQLite file in a temp dir
    .venv/bin/python bench/http_pull_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fn_http_bench
    BENCH_TREE=/tmp/before .venv/bin/python bench/http_pull_bench.py [url]   # the same run on another checkout
    BENCH_PROFILE=1 .venv/bin/python bench/http_pull_bench.py [url]         # where the time goes, in-process

The PostgreSQL database must exist; its tables are dropped and made again. A study with 200 notes,
the phone's cursor at the end. HTTP: the app under gunicorn (gthread, 1 worker on SQLite, 3 on
PostgreSQL, 8 threads) and a bare Flask app answering a small JSON dict, 20 client threads with
keep-alive, app and bare interleaved BENCH_ROUNDS (5) times, medians (pull_bench.py's gunicorn runner
and floor, a small study so it starts in seconds). Beside req/s, the server's CPU per answer (from
/proc), steadier than req/s on a shared machine. (An answer with no changes is under 1 kB: not gzipped.)
BENCH_PROFILE=1 instead runs BENCH_REQUESTS (2,000) pulls
through the WSGI app in-process under cProfile and prints the top functions by own and by total time
(BENCH_TOP of them). BENCH_ALONG=1 (this tree only) times no-change pulls in-process with the sign-in's
read-along of the role and position switched on and off, alternated (issue 11, session 7).
"""
import cProfile
import http.client
import io
import os
import pstats
import statistics
import sys
import threading
import tempfile
import time
from pathlib import Path

TREE = Path(os.environ.get("BENCH_TREE", Path(__file__).resolve().parent.parent)).resolve()
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(TREE))

import pull_bench  # noqa: E402  (its gunicorn runner and bare app: one floor for both benches)
from fieldnotes import create_app  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.auth.service import create_user  # noqa: E402
from tests.factories import make_study, note_mutation  # noqa: E402

pull_bench.TREE = TREE
REQUESTS = int(os.environ.get("BENCH_REQUESTS", 2000))
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 5))
NOTES = 200


def build(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": pull_bench.SECRET,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        user = create_user("researcher@bench.test", "Rosa", pull_bench.PASSWORD)
        db.session.commit()
        study_id = make_study(researcher=[user]).id
    client = app.test_client()
    client.post("/login", data={"email": "researcher@bench.test", "password": pull_bench.PASSWORD})
    pushed = client.post("/api/sync/push", json={
        "device_id": "5d0c1a52-8c1e-4a57-a2f4-2b9a0d6c7e31",
        "mutations": [note_mutation(study_id, text=f"Re-keys order {i} by hand.") for i in range(NOTES)]})
    assert pushed.status_code == 200, pushed.get_data(as_text=True)[:300]
    cursor, more = "", True
    while more:
        page = client.get(f"/api/sync/pull?study_id={study_id}&cursor={cursor}&limit=500").get_json()
        cursor, more = page["cursor"], page["has_more"]
    return app, client, study_id, cursor


def profile(client, path):
    for _ in range(50):
        client.get(path, headers={"Accept-Encoding": "gzip"})
    profiler = cProfile.Profile()
    began = time.perf_counter()
    profiler.enable()
    for _ in range(REQUESTS):
        response = client.get(path, headers={"Accept-Encoding": "gzip"})
        assert response.status_code == 200
    profiler.disable()
    elapsed = time.perf_counter() - began
    print(f"{REQUESTS} pulls with no changes in-process (Flask test client, cProfile on): "
          f"{elapsed / REQUESTS * 1000:.2f} ms each")
    for order in ("tottime", "cumulative"):
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats(order).print_stats(int(os.environ.get("BENCH_TOP", 30)))
        print(out.getvalue())


def along_on_and_off(client, path):
    """The sign-in's read-along (auth/service.py SIGNED_IN_WITH) on and off every 500 pulls, 10 times, in one
    process on one database: one statement against the two it replaced, the load falling on both alike."""
    from fieldnotes.auth import service
    along, runs = service.SIGNED_IN_WITH["sync.pull"], {"one statement": [], "two statements": []}
    for _ in range(300):
        client.get(path)
    for _ in range(10):
        for name, times in runs.items():
            if name == "one statement":
                service.SIGNED_IN_WITH["sync.pull"] = along
            else:
                service.SIGNED_IN_WITH.pop("sync.pull")
            began, cpu = time.perf_counter(), time.process_time()
            for _ in range(500):
                assert client.get(path).status_code == 200
            times.append(((time.perf_counter() - began) * 2, (time.process_time() - cpu) * 2))  # ms per pull
    service.SIGNED_IN_WITH["sync.pull"] = along
    for name, times in runs.items():
        wall, cpu = [t[0] for t in times], [t[1] for t in times]
        print(f"{name}: wall {statistics.median(wall):.3f} ms a pull (min {min(wall):.3f}), "
              f"CPU {statistics.median(cpu):.3f} ms (min {min(cpu):.3f}); load {os.getloadavg()}")


def server_cpu(master):
    """CPU seconds used so far by a gunicorn master's workers (from /proc: Linux only)."""
    ticks = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    total = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def hammer(port, path, cookie, master):
    """(requests a second, server CPU ms per request) from 20 keep-alive clients over BENCH_HTTP_SECONDS.

    CPU per request is the steadier figure on a shared machine: the wall rate moves with other
    sessions' load, the CPU an answer costs much less."""
    done, stop, failures = [0] * pull_bench.CLIENTS, threading.Event(), []

    def client(index):
        connection = http.client.HTTPConnection("127.0.0.1", port)
        while not stop.is_set():
            connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
            response = connection.getresponse()
            body = response.read()
            if response.status != 200 or b'"changes":[]' not in body.replace(b" ", b""):
                failures.append((response.status, body[:200]))
                return
            done[index] += 1
    threads = [threading.Thread(target=client, args=(i,)) for i in range(pull_bench.CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    start, began, cpu = sum(done), time.perf_counter(), server_cpu(master)
    time.sleep(pull_bench.HTTP_SECONDS)
    served, elapsed, cpu = sum(done) - start, time.perf_counter() - began, server_cpu(master) - cpu
    stop.set()
    for thread in threads:
        thread.join()
    assert not failures, failures[:1]
    return served / elapsed, cpu / served * 1000


def main():
    workdir = tempfile.mkdtemp(prefix="http-pull-bench-")
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{workdir}/bench.sqlite"
    app, client, study_id, cursor = build(url)
    path = f"/api/sync/pull?study_id={study_id}&cursor={cursor}&limit=500"
    print(f"tree {TREE}; {'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}; load {os.getloadavg()}")
    if os.environ.get("BENCH_PROFILE") == "1":
        profile(client, path)
        return
    if os.environ.get("BENCH_ALONG") == "1":
        along_on_and_off(client, path)
        return
    with app.app_context():
        db.engine.dispose()
    served, port = pull_bench.serve("wsgi:app", url, workdir, TREE)
    bare, bare_port = pull_bench.serve("pull_bench:bare_app()", url, workdir, Path(__file__).parent)
    try:
        cookie = pull_bench.http_sign_in(port)
        runs = []
        for _ in range(ROUNDS):  # interleaved: the machine's load falls on both alike
            runs.append((hammer(port, path, cookie, served.pid), hammer(bare_port, path, None, bare.pid)))
    finally:
        for process in (served, bare):
            os.killpg(process.pid, 15)
            process.wait()
    for (rate, cpu), (bare_rate, bare_cpu) in runs:
        print(f"  app {rate:.0f} req/s ({cpu:.2f} ms CPU each), bare Flask {bare_rate:.0f} req/s "
              f"({bare_cpu:.2f} ms CPU each): app/bare {rate / bare_rate:.2f} by rate, {bare_cpu / cpu:.2f} by CPU")
    rate, cpu = (statistics.median(run[0][i] for run in runs) for i in (0, 1))
    bare_rate, bare_cpu = (statistics.median(run[1][i] for run in runs) for i in (0, 1))
    print(f"pull with no changes, {pull_bench.CLIENTS} clients, medians of {ROUNDS}: app {rate:.0f} req/s "
          f"({cpu:.2f} ms CPU), bare Flask {bare_rate:.0f} req/s ({bare_cpu:.2f} ms CPU); app/bare "
          f"{rate / bare_rate:.2f} by rate, {bare_cpu / cpu:.2f} by CPU; load after {os.getloadavg()}")


if __name__ == "__main__":
    main()
