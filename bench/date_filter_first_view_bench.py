"""A date filter's first view on the browse page: its facet counts, counted over the matching notes or taken
from the counts kept per journey cell and day.

    .venv/bin/python bench/date_filter_first_view_bench.py <postgresql url> [size]
    BENCH_INDEX=1 ...   # the same again with a covering index on (study, captured_at, the facets' columns), made
                        # for the run and dropped after it: what such an index would buy, and what it weighs

On a database `flask seed-demo --notes <size>` seeded (bench/summaries_bench.py seeds one), in one process:
`facets.matched_counts` for a week, a month, and a touchpoint with a month, BENCH_ROUNDS rounds (default 5),
p50 and the slowest in ms, two ways in turn, and the statements of one month's count each way with their times:
- "counted": over the matching notes (before session 13; still the way for kind, author, tag, media, search);
- "kept per cell and day": from cell_facet_count's rows of the filter's days (session 13).
This is what a date filter costs counted from the start (asked for the first time, or after an edit to a note
counted before: explore/facet_cache.py). Also printed: the study's journey cells and its (cell, day) pairs, the rows the day
in the kept counts' key takes.
"""
import os
import sys
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select, text  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.demo.large import find_large_study  # noqa: E402
from fieldnotes.explore import facets  # noqa: E402
from fieldnotes.explore.filters import Filters  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.studies.models import Touchpoint  # noqa: E402

from bench.first_view import same_counts, statements_each_way, timed  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 5))
INDEX = ("CREATE INDEX ix_bench_time_facets ON observation (study_id, captured_at, touchpoint_id, role_id, kind,"
         " visit_id, participant_id, author_id, deleted_at, id)")
CELLS = """SELECT count(DISTINCT (touchpoint_id, role_id, participant_id, visit_id)),
                  count(DISTINCT (touchpoint_id, role_id, participant_id, visit_id,
                                  (captured_at AT TIME ZONE 'UTC')::date))
           FROM observation WHERE study_id = :study AND deleted_at IS NULL"""


def cases(study_id):
    """(label, Filters) for a week, a month, and a touchpoint within that month, in the seed's months."""
    third = db.session.scalars(select(Touchpoint.id).where(Touchpoint.study_id == study_id)
                               .order_by(Touchpoint.id)).all()[2]
    latest = db.session.scalar(text("SELECT max(captured_at) FROM observation WHERE study_id = :s"), {"s": study_id})
    end = date(latest.year, latest.month, 1) - timedelta(days=1)  # the last whole month before the latest note's
    month = end.replace(day=1)
    week = Filters(study_id, date_from=month.replace(day=5), date_to=month.replace(day=11))
    whole = Filters(study_id, date_from=month, date_to=end)
    with_touchpoint = Filters(study_id, values={"touchpoint": [third]}, date_from=month, date_to=end)
    return [("a week", week), ("a month", whole), ("a touchpoint and a month", with_touchpoint)]


WAYS = [("counted", lambda filters: False), ("kept per cell and day", facets.journey_filtered)]


def main(url, size):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        study_id = find_large_study(size).id
        orgs = facets.organisations(study_id)
        picks = cases(study_id)
        cells, cell_days = db.session.execute(text(CELLS), {"study": study_id}).one()
        print(f"{size:,} notes: {cells} journey cells, {cell_days} (cell, day) pairs")
        if os.environ.get("BENCH_INDEX"):
            db.session.execute(text(INDEX))
            db.session.commit()
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM ANALYZE observation"))
            weight = db.session.scalar(text("SELECT pg_size_pretty(pg_relation_size('ix_bench_time_facets'))"))
            print(f"with a covering index on (study, captured_at, the facets' columns), {weight}:")
        try:
            same_counts(picks, orgs, "journey_filtered", WAYS)
            print(f"matched_counts, {ROUNDS} rounds, ms:")
            timed(picks, orgs, "journey_filtered", WAYS, ROUNDS)
            statements_each_way("a month", picks[1][1], orgs, "journey_filtered", WAYS)
        finally:
            db.session.rollback()
            if os.environ.get("BENCH_INDEX"):
                db.session.execute(text("DROP INDEX ix_bench_time_facets"))
                db.session.commit()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000)
