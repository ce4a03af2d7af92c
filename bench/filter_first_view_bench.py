"""A filter's first view on the browse page: its facet counts, with filters on the journey's own facets.

    .venv/bin/python bench/filter_first_view_bench.py <postgresql url> [size]

On a database `flask seed-demo --notes <size>` seeded (bench/summaries_bench.py and `make bench-browse-1m` seed
one), in one process: `facets.matched_counts` for three touchpoints and two roles, each filtered alone, and
three matrix cells (a touchpoint and a role together, as the journey matrix links to them), three ways in turn,
BENCH_ROUNDS rounds (default 7):
- "counted": every facet counted over the matching notes, the attention count probing each (before session 11);
- "sole filter": a filter alone takes its own facet from the study's kept counts, and no attention count when
  no note of the study needs attention (session 11); a matrix cell's two filters are still counted;
- "kept cells": filters on the journey's own facets take every facet from the counts kept per journey cell
  (journey_count and cell_facet_count, session 12).
Prints p50 and p95 in ms of each. The cache in front of these counts (facet_cache.FacetCache) is not used: this is
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


def ways():
    """(label, (sole_filter, attention_anywhere, journey_filtered)) as each way of counting had them."""
    now = facets.sole_filter, facets.attention_anywhere, facets.journey_filtered
    never = lambda filters: False  # noqa: E731
    return [("counted", (lambda filters: None, lambda study: True, never)),
            ("sole filter", (now[0], now[1], never)), ("kept cells", now)]


def picks_of(study_id):
    touchpoints = db.session.scalars(select(Touchpoint.id).where(Touchpoint.study_id == study_id)
                                     .order_by(Touchpoint.id)).all()
    roles = db.session.scalars(select(Role.id).where(Role.study_id == study_id).order_by(Role.id)).all()
    alone = [{"touchpoint": [t]} for t in touchpoints[:3]] + [{"role": [r]} for r in roles[:2]]
    return alone + [{"touchpoint": [touchpoints[4]], "role": [roles[0]]},
                    {"touchpoint": [touchpoints[1]], "role": [roles[3]]},
                    {"touchpoint": [touchpoints[5]], "role": [roles[3]]}]


def main(url, size):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    kinds = ways()
    times = {(label, alone): [] for label, _ in kinds for alone in (True, False)}
    with app.app_context():
        study_id = find_large_study(size).id
        orgs = facets.organisations(study_id)
        picks = picks_of(study_id)
        try:
            for _ in range(ROUNDS):
                for label, (sole, anywhere, journey) in kinds:
                    facets.sole_filter, facets.attention_anywhere, facets.journey_filtered = sole, anywhere, journey
                    for values in picks:
                        began = time.perf_counter()
                        facets.matched_counts(Filters(study_id, values=values), db.engine.dialect.name, orgs)
                        times[(label, len(values) == 1)].append((time.perf_counter() - began) * 1000)
        finally:
            facets.sole_filter, facets.attention_anywhere, facets.journey_filtered = kinds[-1][1]
    print(f"{size:,} notes, {len(picks)} filters x {ROUNDS} rounds, ms:")
    for (label, alone), taken in times.items():
        taken.sort()
        what = "one filter" if alone else "a matrix cell (touchpoint and role)"
        print(f"  {label:12} {what:36} p50 {statistics.median(taken):6.1f}, p95 {taken[int(len(taken) * 0.95)]:6.1f}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100_000)
