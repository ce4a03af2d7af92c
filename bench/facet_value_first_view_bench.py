"""One facet value's first view on the browse page (a kind, an author or a tag clicked, or needs-attention): its
facet counts, counted over the matching notes or taken from the counts kept per pair of facet values.

    .venv/bin/python bench/facet_value_first_view_bench.py <postgresql url> [size]

On a database `flask seed-demo --notes <size>` seeded (bench/summaries_bench.py seeds one), in one process:
`facets.matched_counts` for two kinds, two kinds together, the study's busiest author, its busiest and third
busiest tags and needs-attention (when a note needs it), each alone, BENCH_ROUNDS rounds (default 5), p50 and
the slowest in ms, two ways in turn, and the statements of one kind's count each way with their times:
- "counted": over the matching notes, the filter's own facet from the kept counts (before session 14; still
  the way for a search, two tags, or a kind beside a date or a touchpoint);
- "kept per pair": the journey facets and the total from cell_facet_count's rows of that value, every other
  facet from facet_pair_count's (session 14).
Also printed: the study's rows of facet_pair_count, what the pairs cost in rows.
"""
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, select  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.demo.large import find_large_study  # noqa: E402
from fieldnotes.explore import facets  # noqa: E402
from fieldnotes.explore.filters import Filters  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.observations.models import FacetPairCount  # noqa: E402
from fieldnotes.observations.summaries import facet_counts  # noqa: E402

from bench.first_view import same_counts, statements_each_way, timed  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 5))
WAYS = [("counted", lambda filters: None), ("kept per pair", facets.one_value_filtered)]


def cases(study_id):
    """(label, Filters): kinds, the busiest author, the busiest and third busiest tags, needs-attention (the
    seed's large study has no conflicts: none)."""
    whole = facet_counts(study_id)
    authors = sorted(whole["author"], key=whole["author"].get, reverse=True)
    tags = sorted(whole["tag"], key=whole["tag"].get, reverse=True)
    picks = [("kind quote", {"kind": ["quote"]}), ("kind breakdown", {"kind": ["breakdown"]}),
             ("breakdowns and workarounds", {"kind": ["breakdown", "workaround"]}),
             ("the busiest author", {"author": [authors[0]]}), ("the busiest tag", {"tag": [tags[0]]}),
             ("the third busiest tag", {"tag": [tags[2]]})]
    needing = [("needs attention", Filters(study_id, attention=True))] if whole.get("attention") else []
    return [(label, Filters(study_id, values=values)) for label, values in picks] + needing


def main(url, size):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        study_id = find_large_study(size).id
        orgs = facets.organisations(study_id)
        picks = cases(study_id)
        rows = db.session.scalar(select(func.count()).where(FacetPairCount.study_id == study_id))
        print(f"{size:,} notes: {rows} rows of facet_pair_count")
        same_counts(picks, orgs, "one_value_filtered", WAYS)
        print(f"matched_counts, {ROUNDS} rounds, ms:")
        timed(picks, orgs, "one_value_filtered", WAYS, ROUNDS)
        statements_each_way("kind quote", picks[0][1], orgs, "one_value_filtered", WAYS)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000)
