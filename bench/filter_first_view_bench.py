"""A filter's first view on the browse page: its facet counts, with one filter on, counted over the notes.

    .venv/bin/python bench/filter_first_view_bench.py <postgresql url> [size]

On a database `flask seed-demo --notes <size>` seeded (bench/summaries_bench.py and `make bench-browse-1m` seed
one), in one process: `facets.matched_counts` for three touchpoints and two roles, each filtered alone,
"now" (the filter's own facet from the counts kept on write, and no attention count when no note of the study
needs attention) alternated with "before" (that facet counted over every note of the study, and the attention
count probing each matching note, as before session 11), BENCH_ROUNDS rounds (default 7).
Prints p50 and p95 in ms of each. The cache in front of these counts (facets.FacetCache) is not used: this is
what a filter costs the first time after a write.
"""
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.demo.large import find_large_study  # noqa: E402
from fieldnotes.explore import facets  # noqa: E402
from fieldnotes.explore.filters import Filters  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.studies.models import Role, Touchpoint  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 7))


def main(url, size):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    shortcuts = facets.sole_filter, facets.attention_anywhere
    times = {"before": [], "now": []}
    with app.app_context():
        study_id = find_large_study(size).id
        orgs = facets.organisations(study_id)
        picks = [("touchpoint", t) for t in db.session.scalars(
            select(Touchpoint.id).where(Touchpoint.study_id == study_id).order_by(Touchpoint.id)).all()[:3]]
        picks += [("role", r) for r in db.session.scalars(
            select(Role.id).where(Role.study_id == study_id).order_by(Role.id)).all()[:2]]
        try:
            for _ in range(ROUNDS):
                for label, (sole, anywhere) in (("before", (lambda filters: None, lambda study: True)),
                                                ("now", shortcuts)):
                    facets.sole_filter, facets.attention_anywhere = sole, anywhere
                    for name, value in picks:
                        began = time.perf_counter()
                        facets.matched_counts(Filters(study_id, values={name: [value]}), db.engine.dialect.name, orgs)
                        times[label].append((time.perf_counter() - began) * 1000)
        finally:
            facets.sole_filter, facets.attention_anywhere = shortcuts
    print(f"{size:,} notes, {len(picks)} filters x {ROUNDS} rounds, ms:")
    for label, taken in times.items():
        taken.sort()
        print(f"  {label}: p50 {statistics.median(taken):.1f}, p95 {taken[int(len(taken) * 0.95)]:.1f}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)
