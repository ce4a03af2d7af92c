"""Pull (issue 11): 10k realistic notes in pages of 500 beside a plain DB-API floor, and over HTTP a pull
with no changes from 20 clients beside a bare Flask app, in the same run.

    .venv/bin/python bench/pull_bench.py                      # SQLite file in a temp dir
    .venv/bin/python bench/pull_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fieldnotes_bench
    BENCH_TREE=/tmp/before .venv/bin/python bench/pull_bench.py [url]   # the same run on another checkout

The PostgreSQL database must exist; its tables are dropped and made again.
Notes are the synthetic study of `flask seed-demo --notes N` (touchpoint, role,
participant, visit and 0-2 tags each), a tenth of them with a photo, analysed after loading.
- pull:  every page through the app in-process (Flask test client: routing, sign-in,
  permission, queries, JSON), statements counted;
- floor: plain sqlite3 / psycopg, three queries a page (notes with author, their tags,
  their media) building the same dicts, json.dumps'ed: the least a pull must do;
- http:  the real app under gunicorn (as the README deploys it), 20 client threads with
  keep-alive asking for the changes after the latest (none), requests a second; beside
  the same gunicorn serving a bare Flask app that answers a small JSON dict.
Set BENCH_HTTP=0 to skip the HTTP part, BENCH_ROUNDS for more in-process rounds.
"""
import http.client
import json
import os
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

TREE = Path(os.environ.get("BENCH_TREE", Path(__file__).resolve().parent.parent)).resolve()
sys.path.insert(0, str(TREE))
sys.path.insert(1, str(Path(__file__).resolve().parent))

from sqlalchemy import event, insert, select, text  # noqa: E402

NOTES, PAGE, CLIENTS = int(os.environ.get("BENCH_NOTES", 10_000)), 500, 20
ROUNDS = int(os.environ.get("BENCH_ROUNDS", 5))
HTTP_SECONDS = float(os.environ.get("BENCH_HTTP_SECONDS", 6))
PASSWORD = "correct horse battery staple"
SECRET = "pull-bench-secret-key-not-for-production-0123456789"


def bare_app():
    """The floor for HTTP: Flask with nothing of ours, a small JSON answer (gunicorn 'pull_bench:bare_app()')."""
    from flask import Flask
    app = Flask("bare")

    @app.get("/api/sync/pull")
    def pull():
        return {"changes": [], "cursor": "0123456789abcdef:10000", "has_more": False, "reset": False}
    return app


# --- the study --------------------------------------------------------------------------------------

def build(url):
    from fieldnotes import create_app
    from fieldnotes.auth.service import create_user
    from fieldnotes.demo import large
    from fieldnotes.extensions import db
    from fieldnotes.observations.models import Attachment, Observation
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": SECRET,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        users = {role: create_user(f"{role}@bench.test", role.title(), PASSWORD)
                 for role in ("owner", "researcher", "designer", "viewer")}
        db.session.flush()
        study = large.seed_large(users, NOTES)
        ids = db.session.scalars(select(Observation.id).where(Observation.study_id == study.id)
                                 .order_by(Observation.seq)).all()
        db.session.execute(insert(Attachment.__table__), [
            {"id": uuid.uuid4(), "observation_id": note_id, "slot": "photo", "sha256": uuid.uuid4().hex * 2,
             "size": 180_000, "mime": "image/jpeg", "offset": 0, "status": "verified",
             "created_at": datetime(2026, 3, 1, tzinfo=UTC)} for note_id in ids[::10]])
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return app, study.id


def counting(app):
    counts = {"statements": 0}
    from fieldnotes.extensions import db
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda *args: counts.__setitem__("statements", counts["statements"] + 1))
    return counts


def signed_in(app):
    client = app.test_client()
    response = client.post("/login", data={"email": "researcher@bench.test", "password": PASSWORD})
    assert response.status_code in (302, 303), response.status_code
    return client


def pull_app(client, study_id, after=""):
    """(notes, pages, bytes, last cursor, seconds the app took). Only the requests are timed: reading the
    answer is the phone's work, and through the test client it went through the app's guarded JSON
    parser (forms.py), a quarter of what was timed as the app's until session 7 (docs/benchmarks.md)."""
    cursor, seen, pages, size, took = after, 0, 0, 0, 0.0
    while True:
        began = time.perf_counter()
        response = client.get(f"/api/sync/pull?study_id={study_id}&cursor={cursor}&limit={PAGE}")
        took += time.perf_counter() - began
        size += len(response.data)
        page = json.loads(response.data)
        seen, pages, cursor = seen + len(page["changes"]), pages + 1, page["cursor"]
        if not page["has_more"]:
            return seen, pages, size, cursor, took


# --- the floor: plain DB-API, the same JSON shape ------------------------------------------------------

FLOOR_NOTES = """SELECT o.id, o.study_id, o.kind, o.text, o.expected, o.touchpoint_id, o.role_id,
 o.participant_id, o.visit_id, o.no_person, o.seq, o.version, o.captured_at, o.updated_at,
 o.client_time_suspect, o.deleted_at, u.name FROM observation o JOIN "user" u ON u.id = o.author_id
 WHERE o.study_id = {p} AND o.seq > {p} ORDER BY o.seq LIMIT {p}"""
FLOOR_TAGS = """SELECT ot.observation_id, t.name FROM observation_tag ot JOIN observation o ON o.id = ot.observation_id
 JOIN tag t ON t.id = ot.tag_id WHERE o.study_id = {p} AND o.seq > {p} AND o.seq <= {p} ORDER BY t.name"""
FLOOR_MEDIA = """SELECT a.observation_id, a.id, a.slot, a.sha256, a.size, a.mime, a.status FROM attachment a
 JOIN observation o ON o.id = a.observation_id WHERE o.study_id = {p} AND o.seq > {p} AND o.seq <= {p}
 ORDER BY a.created_at, a.id"""


def floor_connection(url):
    if url.startswith("sqlite"):
        return sqlite3.connect(url.removeprefix("sqlite:///")), "?", "sqlite"
    import psycopg
    return psycopg.connect(url.replace("postgresql+psycopg", "postgresql")), "%s", "postgresql"


def iso(value, sqlite_text):
    if value is None:
        return None
    if sqlite_text:  # SQLite keeps "YYYY-MM-DD HH:MM:SS.ffffff", UTC without a zone
        value = datetime.fromisoformat(value).replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat()


def hex_uuid(value, sqlite_text):
    return str(uuid.UUID(value)) if sqlite_text else str(value)


def pull_floor(url, study_id, after=0):
    connection, p, dialect = floor_connection(url)
    raw = dialect == "sqlite"
    sql = [q.format(p=p) for q in (FLOOR_NOTES, FLOOR_TAGS, FLOOR_MEDIA)]
    seen, size = 0, 0
    cursor = connection.cursor()
    while True:
        rows = cursor.execute(sql[0], (study_id, after, PAGE)).fetchall()
        if not rows:
            break
        last = rows[-1][10]
        tags, media = {}, {}
        for note_id, name in cursor.execute(sql[1], (study_id, after, last)).fetchall():
            tags.setdefault(note_id, []).append(name)
        for note_id, *m in cursor.execute(sql[2], (study_id, after, last)).fetchall():
            media.setdefault(note_id, []).append({"id": hex_uuid(m[0], raw), "slot": m[1], "sha256": m[2],
                                                  "size": m[3], "mime": m[4], "status": m[5]})
        changes = [{"entity": "observation", "id": hex_uuid(r[0], raw), "version": r[11], "seq": r[10],
                    "deleted": r[15] is not None,
                    "data": {"study_id": r[1], "kind": r[2], "text": r[3], "expected": r[4], "touchpoint_id": r[5],
                             "role_id": r[6], "participant_id": r[7], "visit_id": r[8], "no_person": bool(r[9]),
                             "tags": tags.get(r[0], []), "captured_at": iso(r[12], raw),
                             "media": media.get(r[0], []), "author": r[16], "synced_at": iso(r[13], raw),
                             "client_time_suspect": bool(r[14])}} for r in rows]
        body = json.dumps({"changes": changes, "cursor": f"epoch:{last}", "has_more": len(rows) == PAGE,
                           "reset": False}, sort_keys=True, separators=(",", ":")).encode()
        seen, size, after = seen + len(rows), size + len(body), last
        if len(rows) < PAGE:
            break
    connection.close()
    return seen, size


# --- HTTP: 20 clients against gunicorn ---------------------------------------------------------------

def free_port():
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(target, url, workdir, chdir):
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


def http_sign_in(port):
    connection = http.client.HTTPConnection("127.0.0.1", port)
    body = f"email=researcher%40bench.test&password={PASSWORD.replace(' ', '+')}"
    connection.request("POST", "/login", body, {"Content-Type": "application/x-www-form-urlencoded",
                                                "Origin": f"http://127.0.0.1:{port}"})
    response = connection.getresponse()
    response.read()
    cookies = [c.split(";")[0] for name, c in response.getheaders() if name.lower() == "set-cookie"]
    assert response.status in (302, 303) and cookies, response.status
    return "; ".join(cookies)


def hammer(port, path, cookie):
    """Requests a second from CLIENTS threads with keep-alive over HTTP_SECONDS, after a second of warm-up."""
    done, stop, failures = [0] * CLIENTS, threading.Event(), []

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
    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    time.sleep(1)
    start, began = sum(done), time.perf_counter()
    time.sleep(HTTP_SECONDS)
    rate = (sum(done) - start) / (time.perf_counter() - began)
    stop.set()
    for thread in threads:
        thread.join()
    assert not failures, failures[:1]
    return rate


def http_rates(url, study_id, cursor, workdir):
    path = f"/api/sync/pull?study_id={study_id}&cursor={cursor}&limit={PAGE}"
    app, app_port = serve("wsgi:app", url, workdir, TREE)
    bare, bare_port = serve("pull_bench:bare_app()", url, workdir, Path(__file__).parent)
    try:
        cookie = http_sign_in(app_port)
        app_rates, bare_rates = [], []
        for _ in range(3):  # interleaved: the machine's load falls on both alike
            app_rates.append(hammer(app_port, path, cookie))
            bare_rates.append(hammer(bare_port, path, None))
        return statistics.median(app_rates), statistics.median(bare_rates)
    finally:
        for process in (app, bare):
            os.killpg(process.pid, 15)
            process.wait()


def main():
    workdir = tempfile.mkdtemp(prefix="pull-bench-")
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{workdir}/bench.sqlite"
    started = time.perf_counter()
    app, study_id = build(url)
    print(f"tree {TREE}; {NOTES} notes seeded in {time.perf_counter() - started:.1f} s; load {os.getloadavg()}")
    counts, client = counting(app), signed_in(app)
    app_times, floor_times = [], []
    for _ in range(ROUNDS):  # interleaved, medians: the machine is shared
        counts["statements"] = 0
        seen, pages, size, cursor, took = pull_app(client, study_id)
        app_times.append(took)
        statements = counts["statements"]
        began = time.perf_counter()
        floor_seen, floor_size = pull_floor(url, study_id)
        floor_times.append(time.perf_counter() - began)
        assert seen == floor_seen == NOTES, (seen, floor_seen)
    app_s, floor_s = statistics.median(app_times), statistics.median(floor_times)
    print(f"pull {NOTES} notes in {pages} pages of {PAGE}: app {app_s:.3f} s, {statements} statements, "
          f"{size:,} bytes; floor {floor_s:.3f} s, {floor_size:,} bytes; app/floor {app_s / floor_s:.2f}x")
    if os.environ.get("BENCH_HTTP", "1") == "1":
        app_rate, bare_rate = http_rates(url, study_id, cursor, workdir)
        print(f"pull with no changes, {CLIENTS} clients: app {app_rate:.0f} req/s, bare Flask {bare_rate:.0f} "
              f"req/s, app/bare {app_rate / bare_rate:.2f}")
    print(f"load after {os.getloadavg()}")


if __name__ == "__main__":
    main()
