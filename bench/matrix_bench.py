"""The journey matrix and the note page on a 100,000-note study (issue 4), beside the raw SQL.

    .venv/bin/python bench/matrix_bench.py                   # SQLite file in a temp dir
    .venv/bin/python bench/matrix_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fieldnotes_matrix_bench

The PostgreSQL database must exist; its tables are dropped and made again. The study
is made by `flask seed-demo --notes N` itself (its time is reported too). Each figure
is p50/p95 over RUNS runs after warm-ups:
- raw (one step): the matrix's question as the obvious hand-written SQL statement;
- raw (two steps): the same statement grouped first by pair, participant and visit (what the app runs);
- matrix: the service (cells.build: the grouped query plus the study's terms, gaps, links);
- matrix filtered: the same, filtered to two organisations;
- page: GET /studies/<id>/journey-matrix through Flask's test client (server time, no network);
- note page: GET /studies/<id>/notes/<uuid> for a random note.
"""
import os
import platform
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.demo import data, large  # noqa: E402
from fieldnotes.explore.cells import build  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.observations.models import Observation  # noqa: E402
from fieldnotes.organisations.models import Organisation  # noqa: E402

NOTES = int(os.environ.get("BENCH_NOTES", 100_000))
RUNS = int(os.environ.get("BENCH_RUNS", 50))
RAW = text(
    "SELECT o.touchpoint_id, o.role_id, count(*), count(DISTINCT o.participant_id), "
    "count(DISTINCT coalesce(v.organisation, p.organisation)), "
    "sum(CASE WHEN o.kind IN ('breakdown', 'workaround') THEN 1 ELSE 0 END), "
    "sum(CASE WHEN o.kind = 'delight' THEN 1 ELSE 0 END) "
    "FROM observation o LEFT JOIN site_visit v ON v.id = o.visit_id "
    "LEFT JOIN participant p ON p.id = o.participant_id "
    "WHERE o.study_id = :s AND o.deleted_at IS NULL GROUP BY o.touchpoint_id, o.role_id")
# The same answer grouped in two steps, as cells.cell_query does: joins only the few hundred groups.
RAW_TWO_STEP = text(
    "WITH g AS (SELECT touchpoint_id, role_id, participant_id, visit_id, count(*) AS n, "
    "sum(CASE WHEN kind IN ('breakdown', 'workaround') THEN 1 ELSE 0 END) AS pain, "
    "sum(CASE WHEN kind = 'delight' THEN 1 ELSE 0 END) AS delight FROM observation "
    "WHERE study_id = :s AND deleted_at IS NULL GROUP BY touchpoint_id, role_id, participant_id, visit_id) "
    "SELECT g.touchpoint_id, g.role_id, sum(g.n), count(DISTINCT g.participant_id), "
    "count(DISTINCT coalesce(v.organisation, p.organisation)), sum(g.pain), sum(g.delight) "
    "FROM g LEFT JOIN site_visit v ON v.id = g.visit_id LEFT JOIN participant p ON p.id = g.participant_id "
    "GROUP BY g.touchpoint_id, g.role_id")


def timed(fn, runs=RUNS, warm=3):
    for _ in range(warm):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)]


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tempfile.mkdtemp()}/bench.sqlite"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench secret key, not for production " * 2,
                      "MEDIA_ROOT": tempfile.mkdtemp(), "TESTING": True})
    with app.app_context():
        db.drop_all()
        db.create_all()
    started, cpu = time.perf_counter(), time.process_time()
    result = app.test_cli_runner().invoke(args=["seed-demo", "--notes", str(NOTES)])
    assert result.exit_code == 0, (result.output, result.exception)
    seeded, seeded_cpu = time.perf_counter() - started, time.process_time() - cpu
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            db.session.execute(text("ANALYZE"))  # as autovacuum would soon after a bulk load
            db.session.commit()
        study = large.find_large_study(NOTES)
        study_id = study.id
        orgs = db.session.scalars(select(Organisation.id).where(  # two accounts, by id as the page takes them
            Organisation.study_id == study_id, Organisation.name.in_(large.ORGANISATIONS[:2]))).all()
        note_ids = db.session.scalars(select(Observation.id).where(Observation.study_id == study_id)
                                      .limit(2000)).all()
        figures = {
            "raw (one step)": timed(lambda: db.session.execute(RAW, {"s": study_id}).all()),
            "raw (two steps)": timed(lambda: db.session.execute(RAW_TWO_STEP, {"s": study_id}).all()),
            "matrix": timed(lambda: build(study_id)),
            "matrix filtered": timed(lambda: build(study_id, (), orgs)),
        }
        total = build(study_id)["total"].notes
        db.session.remove()
    client = app.test_client()
    login = client.post("/login", data={"email": data.ACCOUNTS["designer"]["email"], "password": data.PASSWORD})
    assert login.status_code == 303, login.status_code
    page = f"/studies/{study_id}/journey-matrix"
    assert client.get(page).status_code == 200
    figures["page"] = timed(lambda: client.get(page))
    rng = random.Random(1)
    figures["note page"] = timed(lambda: client.get(f"/studies/{study_id}/notes/{rng.choice(note_ids)}"))
    dialect = url.split(":")[0].split("+")[0]
    print(f"{dialect}: {total:,} notes; seed-demo --notes {NOTES} took {seeded:.1f} s wall, "
          f"{seeded_cpu:.1f} s CPU in this process (with the demo study)")
    print(f"machine: {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} at the end")
    for name, (p50, p95) in figures.items():
        print(f"| {dialect} | {name} | {p50:.1f} | {p95:.1f} |")


if __name__ == "__main__":
    main()
