"""Filtered browse at several study sizes, with and without an index per filter column (issue 11, session 5).

    BENCH_SIZES=10000,100000 .venv/bin/python bench/filtered_browse_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fn_bench
    BENCH_REUSE=1 ...   # time again on the studies a previous run seeded at the same URL
    .venv/bin/python bench/filtered_browse_bench.py          # SQLite file in a temp dir

Studies come from `flask seed-demo --notes N` (realistic notes), every size in one database.
For each filter column (touchpoint, role, participant, visit) the bench takes the study's
rarest value that has notes: its newest notes lie deepest in the study's time order, the worst
case for a list that walks ix_observation_browse newest first and discards the rest. It times:
- list: the note list alone (filters.parse_filters + listing.browse_page, the first page of 50);
- page, first view: the whole browse page for a filter never asked before (facets counted over
  the matching notes; a new "to" date each run makes the filter new);
- page, again: the whole page for the same filter (facet counts cached);
- floor: the list's own SQL (ids of the first 51 notes) on the driver's connection.
Each under two index sets, on the same data in the same run, round robin:
- "old": the indexes before session 5 (participant_id and visit_id alone; nothing for touchpoint, role);
- "new": those and migration 0008's (study_id, touchpoint_id, captured_at, id), the same for role,
  participant and visit.
"""
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select, text  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.demo import data  # noqa: E402
from fieldnotes.demo.large import find_large_study  # noqa: E402
from fieldnotes.explore import listing  # noqa: E402
from fieldnotes.explore.filters import parse_filters  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.observations.models import Observation  # noqa: E402

SIZES = [int(s) for s in os.environ.get("BENCH_SIZES", "10000,100000").split(",")]
RUNS = int(os.environ.get("BENCH_RUNS", 20))
FILTERS = ("touchpoint", "role", "participant", "visit")
COLUMN = {"touchpoint": "touchpoint_id", "role": "role_id", "participant": "participant_id", "visit": "visit_id"}
NEW = {name: f"CREATE INDEX IF NOT EXISTS ix_observation_{name}_time ON observation (study_id, {column}, captured_at, id)"
       for name, column in COLUMN.items()}
FLOOR = ("SELECT id FROM observation WHERE study_id = {study} AND deleted_at IS NULL AND {column} = {value} "
         "ORDER BY captured_at DESC, id DESC LIMIT 51")


def build_app(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        if not os.environ.get("BENCH_REUSE"):
            db.drop_all()
            db.create_all()
    if not os.environ.get("BENCH_REUSE"):
        for size in SIZES:
            began = time.perf_counter()
            result = app.test_cli_runner().invoke(args=["seed-demo", "--notes", str(size)])
            assert result.exit_code == 0, result.output
            print(f"seeded {size:,} notes in {time.perf_counter() - began:.0f} s", flush=True)
    return app


def use_indexes(app, which):
    """Drop every per-filter index, make them again for "new", and analyse."""
    with app.app_context():
        for name in FILTERS:
            db.session.execute(text(f"DROP INDEX IF EXISTS ix_observation_{name}_time"))
        for statement in NEW.values() if which == "new" else ():
            db.session.execute(text(statement))
        db.session.execute(text("ANALYZE observation"))
        db.session.commit()


def rarest(study_id, name):
    """The value of this filter column that the fewest live notes of the study have (at least one)."""
    column = getattr(Observation, COLUMN[name])
    return db.session.execute(
        select(column, func.count()).where(Observation.study_id == study_id, Observation.deleted_at.is_(None),
                                           column.is_not(None))
        .group_by(column).order_by(func.count(), column).limit(1)).one()


def actions(app, client, size, raw):
    with app.app_context():
        study_id = find_large_study(size).id
        chosen = {name: rarest(study_id, name) for name in FILTERS}
    fresh = iter(range(10**6))
    found = []
    for name, (value, matching) in chosen.items():
        args = {name: str(value)}
        url = f"/studies/{study_id}/notes?{name}={value}"

        def listed(args=args):
            with app.app_context():
                notes, _ = listing.browse_page(parse_filters(study_id, MultiDict(args)), db.engine.dialect.name)
                assert notes

        def first_view(url=url):
            got = client.get(f"{url}&to={2030 + next(fresh)}-01-01")
            assert got.status_code == 200

        def again(url=url):
            assert client.get(url).status_code == 200

        def floor(sql=FLOOR.format(study=study_id, column=COLUMN[name], value=value)):
            cursor = raw.cursor()
            cursor.execute(sql)
            cursor.fetchall()
            cursor.close()
        label = f"{name} ({matching:,} notes)"
        found += [(f"{label}: list", listed), (f"{label}: page, first view", first_view),
                  (f"{label}: page, again", again), (f"{label}: floor (the list's SQL)", floor)]
    return found


def main(url):
    app = build_app(url)
    client = app.test_client()
    answer = client.post("/login", data={"email": data.ACCOUNTS["owner"]["email"], "password": data.PASSWORD})
    assert answer.status_code == 303
    with app.app_context():
        raw = db.engine.raw_connection()
    studies = {size: actions(app, client, size, raw) for size in SIZES}
    times = {}
    for which in ("old", "new"):
        raw.rollback()  # the floor's reads hold a lock on the table that DROP INDEX would wait for
        use_indexes(app, which)
        for round_number in range(RUNS + 2):
            for size, named in studies.items():
                for name, action in named:
                    began = time.perf_counter()
                    action()
                    raw.rollback()
                    if round_number >= 2:  # warm-ups
                        times.setdefault((which, size, name), []).append((time.perf_counter() - began) * 1000)
    print(f"backend={url.split(':')[0]} runs={RUNS} load={os.getloadavg()[0]:.1f}")
    for size, named in studies.items():
        print(f"\n{size:,} notes, p50 / p95 ms, old indexes -> new:")
        for name, _ in named:
            old, new = times[("old", size, name)], times[("new", size, name)]
            print(f"  {name:55} {statistics.median(old):8.1f} {statistics.quantiles(old, n=20)[-1]:8.1f}"
                  f"  -> {statistics.median(new):8.1f} {statistics.quantiles(new, n=20)[-1]:8.1f}")
    raw.close()


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        main(sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tmp}/bench.sqlite")
