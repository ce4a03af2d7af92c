"""Journey-matrix cells (cells.build) on the counts kept on write, beside the bare GROUP BY, in one run.

    .venv/bin/python bench/matrix_cells_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fn_bench 10000 100000

Times cells.build() for the synthetic studies `flask seed-demo --notes N` made at that URL (seed
them first, e.g. with bench/filtered_browse_bench.py or bench/summaries_bench.py), BENCH_RUNS
times each after warm-ups, p50/p95 in ms, with the number of SQL statements one build runs; and
the bare matrix GROUP BY (touchpoint, role over the study's live notes) on the driver's own
connection. Run it from two trees alternately to compare them on the same data.
"""
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, os.getcwd())  # the tree it is run from, so two trees can be compared on one database
sys.path.insert(1, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.demo.large import find_large_study  # noqa: E402
from fieldnotes.explore.cells import build  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", 200))
FLOOR = ("SELECT touchpoint_id, role_id, count(*) FROM observation "
         "WHERE study_id = {0} AND deleted_at IS NULL GROUP BY touchpoint_id, role_id")
statements = [0]


@event.listens_for(Engine, "before_cursor_execute")
def count(*args):
    statements[0] += 1


def timed(action):
    for _ in range(20):
        action()
    runs = []
    for _ in range(RUNS):
        began = time.perf_counter()
        action()
        runs.append((time.perf_counter() - began) * 1000)
    return statistics.median(runs), statistics.quantiles(runs, n=20)[-1]


def main(url, sizes):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    for size in sizes:
        with app.app_context():
            study_id = find_large_study(size).id
            raw = db.engine.raw_connection()

        def cells():
            with app.app_context():
                build(study_id)

        def floor():
            cursor = raw.cursor()
            cursor.execute(FLOOR.format(study_id))
            cursor.fetchall()
            cursor.close()
            raw.rollback()
        statements[0] = 0
        cells()
        per_build = statements[0]
        built, bare = timed(cells), timed(floor)
        raw.close()
        print(f"{size:>9,} notes: cells.build {built[0]:6.2f} / {built[1]:6.2f} ms ({per_build} statements); "
              f"bare GROUP BY {bare[0]:7.2f} / {bare[1]:7.2f} ms; load {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1], [int(s) for s in sys.argv[2:]] or [10000, 100000])
