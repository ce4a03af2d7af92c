"""CSV export of 10,000 / 50,000 / 100,000 notes (issue 10), beside a plain DB-API floor in the same run.

    .venv/bin/python bench/export_csv_bench.py                    # SQLite file in a temp dir
    .venv/bin/python bench/export_csv_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fn_export_bench

The PostgreSQL database must exist; its tables are dropped and made again (BENCH_REUSE=1 times the
studies a previous run left there instead). The studies are
demo/large.py's synthetic ones (the demo sentence bank, tags, 72 participants), plus a stored
photo on one note in twenty. Each measurement runs in a fresh child process, so its peak RSS
(resource.getrusage) is that export's alone:
- export: GET /studies/<id>/export/download?format=csv through Flask's test client, read chunk by
  chunk as a browser would (server time, no network): first byte and whole file;
- floor: one hand-written SELECT of the same notes with their visit, participant, role and
  touchpoint names through the driver's own cursor, written with the csv module (no tags,
  insights or media: the floor does less than the export, as a floor should).
"""
import csv
import io
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import insert, select, text  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.demo import large  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.observations.models import Attachment, Observation  # noqa: E402
from tests.factories import PASSWORD, make_user  # noqa: E402

SIZES = [int(n) for n in os.environ.get("BENCH_SIZES", "10000,50000,100000").split(",")]
FLOOR_SQL = """
SELECT o.captured_at, v.visited_on, v.organisation, p.pseudonym, r.name, t.name, o.kind, o.text, o.expected,
       o.author_id, o.version, o.id
FROM observation o
LEFT JOIN site_visit v ON v.id = o.visit_id LEFT JOIN participant p ON p.id = o.participant_id
LEFT JOIN role r ON r.id = o.role_id LEFT JOIN touchpoint t ON t.id = o.touchpoint_id
WHERE o.study_id = {study} AND o.deleted_at IS NULL ORDER BY o.captured_at, o.id
"""


def make_app(url):
    return create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                       "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})


def build(url):
    """One study per size; returns {size: study id}."""
    app = make_app(url)
    with app.app_context():
        if os.environ.get("BENCH_REUSE"):  # time again on the studies a previous run left (same URL)
            return {size: large.find_large_study(size).id for size in SIZES}
        db.drop_all()
        db.create_all()
        users = {"owner": make_user("bench@example.org"), "researcher": make_user("field@example.org")}
        studies = {}
        for size in SIZES:
            large.SEED = 100_000 + size  # its own random notes: the seed also makes the note ids
            study = large.seed_large(users, size)
            db.session.commit()
            studies[size] = study.id
            ids = db.session.scalars(select(Observation.id).where(Observation.study_id == study.id)).all()
            db.session.execute(insert(Attachment), [
                {"id": uuid.uuid4(), "observation_id": note_id, "slot": "photo", "sha256": "ab" * 32, "size": 1000,
                 "mime": "image/jpeg", "status": "verified"} for note_id in ids[::20]])
            db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return studies


def measure_export(url, study_id):
    app = make_app(url)
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
    began = time.perf_counter()
    response = client.get(f"/studies/{study_id}/export/download?format=csv&audience=team", buffered=False)
    first, size, lines = None, 0, 0
    for chunk in response.response:
        if first is None and chunk:
            first = time.perf_counter() - began
        size += len(chunk)
        lines += chunk.count(b"\r\n")
    response.close()
    return {"first": first, "total": time.perf_counter() - began, "bytes": size, "lines": lines}


def measure_floor(url, study_id):
    app = make_app(url)
    with app.app_context():
        began = time.perf_counter()
        connection = db.engine.raw_connection()
        # A server-side cursor on PostgreSQL (as the export has), the plain cursor on SQLite.
        cursor = connection.cursor(name="floor") if db.engine.dialect.name == "postgresql" else connection.cursor()
        cursor.execute(FLOOR_SQL.format(study=int(study_id)))
        buffer, first, size, lines = io.StringIO(), None, 0, 0
        writer = csv.writer(buffer, lineterminator="\r\n")
        while rows := cursor.fetchmany(1000):
            writer.writerows(rows)
            data = buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
            first = first or time.perf_counter() - began
            size, lines = size + len(data), lines + len(rows)
        connection.close()
        return {"first": first, "total": time.perf_counter() - began, "bytes": size, "lines": lines}


def child(mode, url, study_id):
    result = (measure_export if mode == "export" else measure_floor)(url, study_id)
    result["rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(result))


def run_child(mode, url, study_id):
    out = subprocess.run([sys.executable, __file__, "--child", mode, url, str(study_id)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(url):
    began = time.perf_counter()
    studies = build(url)
    print(f"# {make_app(url).config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}: seeded {sum(SIZES):,} notes "
          f"in {time.perf_counter() - began:.0f} s", flush=True)
    print("| notes | export first byte | export total | floor total | export / floor | export peak RSS | "
          "floor peak RSS | file |")
    print("|---|---|---|---|---|---|---|---|")
    for size, study_id in studies.items():
        run_child("export", url, study_id)  # warm the database's caches for both
        export, floor = run_child("export", url, study_id), run_child("floor", url, study_id)
        assert export["lines"] == size + 1, export  # every note and the header (no note has a raw CR LF)
        print(f"| {size:,} | {export['first'] * 1000:.0f} ms | {export['total']:.2f} s | {floor['total']:.2f} s | "
              f"{export['total'] / floor['total']:.1f}x | {export['rss_mb']:.0f} MB | {floor['rss_mb']:.0f} MB | "
              f"{export['bytes'] / 1e6:.1f} MB |", flush=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:5])
    else:
        target = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/export_bench.sqlite"
        main(target)
