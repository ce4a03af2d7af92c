"""A search's first view on the browse page at 1M notes on PostgreSQL: its notes counted, and its facet counts,
with a note's recordings and tags matched as "IN (subquery)" (before session 14) or "= ANY(ARRAY(...))" (now).

    .venv/bin/python bench/search_first_view_bench.py <postgresql url> [size] [word ...]

On a database `flask seed-demo --notes <size>` seeded (bench/summaries_bench.py seeds one), in one process, for
each search (default: a common word, a word that is also a tag's, a prefix, a rare word):
- the matching notes counted (one statement), each way, checked alike;
- `facets.matched_counts` (the browse page's facets and totals, the cache not used: a search's first view after
  each write to the study), each way once, checked alike; then BENCH_ROUNDS (default 5) more now, p50;
- the floor: the same words' notes of the study counted through plain psycopg on its own connection, by the
  words' index alone (no tags, no transcripts: the least a search can ask), median of 3.
The "IN (subquery)" way takes 20-90 s a search at 1M: the run takes minutes.
"""
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psycopg  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.demo.large import find_large_study  # noqa: E402
from fieldnotes.explore import facets, search  # noqa: E402
from fieldnotes.explore.filters import conditions, parse_filters  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.observations import fulltext  # noqa: E402
from fieldnotes.observations.models import Observation  # noqa: E402

from bench.first_view import counts_of  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 5))
SEARCHES = ["invoice", "month", "inv*", "couriers"]
FLOOR = (f"SELECT count(*) FROM observation WHERE study_id = %s AND deleted_at IS NULL AND {fulltext.PG_VECTOR}"
         " @@ to_tsquery('simple'::regconfig, %s)")
WAYS = [("IN (subquery)", lambda note_ids, as_set: Observation.id.in_(note_ids)), ("= ANY(ARRAY(...))", search.one_of)]


def ms_of(work):
    began = time.perf_counter()
    answer = work()
    db.session.rollback()
    return answer, (time.perf_counter() - began) * 1000


def floor_ms(url, study_id, filters):
    """The plain-psycopg floor: the study's notes with the search's words, by the words' index; ms, median of 3."""
    taken = []
    with psycopg.connect(url.replace("+psycopg", "")) as connection:
        for _ in range(3):
            began = time.perf_counter()
            connection.execute(FLOOR, (study_id, search.tsquery(filters.parts))).fetchone()
            taken.append((time.perf_counter() - began) * 1000)
    return statistics.median(taken)


def main(url, size, words):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench"})
    with app.app_context():
        study_id = find_large_study(size).id
        orgs = facets.organisations(study_id)
        print(f"{size:,} notes; ms, each way, then {ROUNDS} more rounds now (p50):")
        try:
            for word in words:
                filters = parse_filters(study_id, MultiDict([("q", word)]))
                tags = sum(len(part.tag_ids) for part in filters.parts)
                answers, line = [], []
                for _, one_of in WAYS:
                    search.one_of = one_of  # before the statement is built: its clause is made with it
                    matching = select(func.count()).select_from(Observation).where(*conditions(filters, "postgresql"))
                    (notes, notes_ms), (counted, counts_ms) = (ms_of(lambda: db.session.scalar(matching)),
                                                               ms_of(lambda: counts_of(filters, orgs)))
                    answers.append((notes, counted))
                    line.append(f"{notes_ms:8.1f} / {counts_ms:8.1f}")
                assert answers[0] == answers[1], f"{word}: the two ways disagree"
                again = [ms_of(lambda: counts_of(filters, orgs))[1] for _ in range(ROUNDS)]
                print(f"  {word!r:14} {answers[0][0]:>7,} notes ({tags} tags match)  count / facets:"
                      f"  before {line[0]}  now {line[1]}  now again p50 {statistics.median(again):7.1f}"
                      f"  floor {floor_ms(url, study_id, filters):6.1f}")
        finally:
            search.one_of = WAYS[-1][1]


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000, sys.argv[3:] or SEARCHES)
