"""Browse and the journey matrix on counts kept on write (issue 11 item 1), at several study sizes,
each beside the bare GROUP BY it replaces, in plain sqlite3 / psycopg, in the same run.

    .venv/bin/python bench/summaries_bench.py                               # SQLite, 10k and 100k
    .venv/bin/python bench/summaries_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fieldnotes_bench
    BENCH_SIZES=1000000 .venv/bin/python bench/summaries_bench.py postgresql+psycopg://...   # make bench-browse-1m

The PostgreSQL database must exist; its tables are dropped and made again. Studies come from
`flask seed-demo --notes N` (realistic notes: touchpoint, role, participant, visit, 0-2 tags), every
size in the same database, then ANALYZE (and on PostgreSQL VACUUM, as autovacuum would). Each figure is p50/p95
over BENCH_RUNS requests through Flask's test client, signed in as the demo owner (server time, no network):
- browse: the whole page with no filter (notes, facets, the attention count), and its next page;
- filtered, first view: a touchpoint filter and a date range never asked before (counted over the matching
  notes); and one touchpoint alone with the counts' cache emptied, as after any write in the study; and a
  kind or a tag clicked alone, likewise (counted over its notes before session 14, from the kept pairs since);
- filtered, again: the same filter with nothing written since (the cached counts);
- matrix: the journey-matrix page, and cells.build() alone;
- floors: the bare GROUP BY the page ran before (touchpoint, role, kind over the study's live notes)
  and the matrix's (touchpoint, role), on the driver's own connection.
Every size and action is timed once per round, round after round, so the sizes compare within a run.
The objects loaded before the timing are frozen out of the garbage collector's full passes, as in each
gunicorn worker (gunicorn.conf.py); BENCH_FREEZE=0 leaves them in (each full pass then walks ~150,000
objects, ~40 ms, and lands on whichever request is running: the p95 spikes of session 10's first run).
"""
import gc
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.demo import data  # noqa: E402
from fieldnotes.demo.large import find_large_study  # noqa: E402
from fieldnotes.explore.cells import build  # noqa: E402
from fieldnotes.explore.facet_cache import FacetCache  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.observations.models import CellFacetCount, FacetCount, JourneyCount  # noqa: E402
from fieldnotes.studies.models import Touchpoint  # noqa: E402

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
RUNS = int(os.environ.get("BENCH_RUNS", 40))
FACETS_FLOOR = ("SELECT touchpoint_id, role_id, kind, count(*) FROM observation "
                "WHERE study_id = {0} AND deleted_at IS NULL GROUP BY touchpoint_id, role_id, kind")
MATRIX_FLOOR = ("SELECT touchpoint_id, role_id, count(*) FROM observation "
                "WHERE study_id = {0} AND deleted_at IS NULL GROUP BY touchpoint_id, role_id")


def build_app(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        if not os.environ.get("BENCH_REUSE"):  # time again on what a previous run seeded (same URL)
            db.drop_all()
            db.create_all()
    for size in SIZES:
        began = time.perf_counter()
        result = app.test_cli_runner().invoke(args=["seed-demo", "--notes", str(size)])
        assert result.exit_code == 0, result.output
        print(f"seeded {size:,} notes in {time.perf_counter() - began:.0f} s", flush=True)
    if url.startswith("postgresql"):
        # As autovacuum would soon after: these machines run PostgreSQL with it off. Unvacuumed, an index-only read
        # (the floors' counts among them) still visits every row: a search's floor at 100k took 30 ms, 7 vacuumed.
        with app.app_context(), db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.exec_driver_sql("VACUUM (ANALYZE)")
    return app


def page(client, url):
    def get():
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    return get


class Floor:
    """A bare statement on the driver's own connection (sqlite3 or psycopg): no SQLAlchemy, no Flask."""

    def __init__(self, app, sql):
        with app.app_context():
            self.connection = db.engine.raw_connection()
        self.sql = sql

    def __call__(self):
        cursor = self.connection.cursor()
        cursor.execute(self.sql)
        cursor.fetchall()
        cursor.close()


def actions(app, client, size):
    """(name, callable) for one study: each call is one timed run; `cold` makes a new filter each call."""
    with app.app_context():
        study_id = find_large_study(size).id
        touchpoints = db.session.scalars(select(Touchpoint.id).where(Touchpoint.study_id == study_id)).all()
        tags = db.session.scalars(select(FacetCount.value).where(
            FacetCount.study_id == study_id, FacetCount.facet == "tag").order_by(FacetCount.value)).all()
    clicks = [("kind", kind) for kind in ("quote", "breakdown", "delight")] + [("tag", tag) for tag in tags[:5]]
    browse = f"/studies/{study_id}/notes"
    first = client.get(browse).get_data(as_text=True)
    after = first.split("?after=", 1)[1].split('"', 1)[0].replace("&amp;", "&")
    fresh = iter(range(10**6))
    others = touchpoints[1:]  # the first is "the same filter again"

    def cold():  # a filter never asked before (the date range makes each one new): counted, not cached
        number = next(fresh)
        page(client, f"{browse}?touchpoint={touchpoints[number % len(touchpoints)]}&to={2030 + number}-01-01")()

    def alone():  # one filter, its counts not cached: as after any write in the study (a new change number)
        touchpoint = others[next(fresh) % len(others)]
        cache = app.extensions.get("fieldnotes.facet_cache", FacetCache())
        for key in [key for key in cache.entries if key[1] == (("touchpoint", touchpoint),)]:
            del cache.entries[key]  # this filter's counts only: "the same filter again" keeps its own
        page(client, f"{browse}?touchpoint={touchpoint}")()

    def clicked():  # a kind or a tag clicked alone, its counts not cached: as after any write in the study
        name, value = clicks[next(fresh) % len(clicks)]
        cache = app.extensions.get("fieldnotes.facet_cache", FacetCache())
        for key in [key for key in cache.entries if [(n, str(v)) for n, v in key[1]] == [(name, value)]]:
            del cache.entries[key]  # counted and kept before session 14; from the kept pairs since, never cached
        page(client, f"{browse}?{name}={value}")()

    def cells():
        with app.app_context():
            build(study_id)
    return study_id, [
        ("browse, no filter", page(client, browse)),
        ("browse, next page", page(client, f"{browse}?after={after}")),
        ("browse, a filter and a date first viewed", cold),
        ("browse, one filter first viewed", alone),
        ("browse, a kind or a tag first viewed", clicked),
        ("browse, the same filter again", page(client, f"{browse}?touchpoint={touchpoints[0]}")),
        ("journey matrix page", page(client, f"/studies/{study_id}/journey-matrix")),
        ("journey matrix cells (cells.build)", cells),
        ("floor: bare facet GROUP BY (plain driver)", Floor(app, FACETS_FLOOR.format(study_id))),
        ("floor: bare matrix GROUP BY (plain driver)", Floor(app, MATRIX_FLOOR.format(study_id))),
    ]


def main(url):
    app = build_app(url)
    client = app.test_client()
    answer = client.post("/login", data={"email": data.ACCOUNTS["owner"]["email"], "password": data.PASSWORD})
    assert answer.status_code == 303
    studies = {size: actions(app, client, size) for size in SIZES}
    if os.environ.get("BENCH_FREEZE", "1") == "1":
        gc.freeze()  # as a gunicorn worker does once the app is loaded (gunicorn.conf.py); BENCH_FREEZE=0: not
    times = {(size, name): [] for size, (_, named) in studies.items() for name, _ in named}
    # Round robin: every size and action once per round, so a swing in the machine's load (shared,
    # 2 cores) falls on all of them alike and the sizes compare within the run.
    for round_number in range(RUNS + 3):
        for size, (_, named) in studies.items():
            for name, action in named:
                began = time.perf_counter()
                action()
                if round_number >= 3:  # warm-ups
                    times[(size, name)].append((time.perf_counter() - began) * 1000)
    print(f"backend={url.split(':')[0]} runs={RUNS} load={os.getloadavg()[0]:.1f}")
    for size, (study_id, named) in studies.items():
        with app.app_context():
            kept = sum(db.session.scalar(select(func.count()).select_from(model).where(model.study_id == study_id))
                       for model in (JourneyCount, FacetCount, CellFacetCount))
        print(f"\n{size:,} notes ({kept} summary rows), p50 / p95 ms:")
        for name, _ in named:
            runs = times[(size, name)]
            print(f"  {name:45} {statistics.median(runs):8.1f} {statistics.quantiles(runs, n=20)[-1]:8.1f}")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        main(sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tmp}/bench.sqlite")
