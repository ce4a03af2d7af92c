"""The whole browse page under a search or filters the kept counts do not answer, at 1M notes: first viewed (its
counts not cached: a new filter, or after an edit to a note counted before), viewed again (counts cached: the note
list alone), and viewed after a phone pushed 5 new notes to the study (the cached counts brought up to date with
those 5: explore/facet_cache.py).

    BENCH_REUSE=1 .venv/bin/python bench/search_page_bench.py <url> [size]
    BENCH_TREE=/tmp/before BENCH_REUSE=1 .venv/bin/python bench/search_page_bench.py <url> [size]   # another tree
    BENCH_PAGE=affinity BENCH_REUSE=1 .venv/bin/python bench/search_page_bench.py <url> [size]   # the workspace
    BENCH_PAGE=api BENCH_REUSE=1 .venv/bin/python bench/search_page_bench.py <url> [size]   # the API's list

On a database seeded by `flask seed-demo --notes <size>` (bench/summaries_bench.py seeds one; default 1,000,000).
BENCH_TREE: the checkout whose code is timed (a `git worktree` of an earlier commit), so two trees compare on
one database. Each page is asked BENCH_ROUNDS times (default 5) after one warm-up, the pages in turn each round;
p50 and the slowest, in ms, server time through Flask's test client. Each page's note count is printed, so two
trees' runs can be checked alike. A first view that lists its notes before counting them (explore/browse.py) is
timed without its counts; "counted" is that page and then its counts, asked as its script asks for them. Beside
each search's page, the floor in the same run (PostgreSQL): the study's live notes with the search's words, counted
and their newest 51 listed, through plain psycopg on its own connection, by the words' index alone (no tags, no
transcripts, no facets: the least a search's page can ask), p50, the faster of two ways to list them (FLOORS), each
with JIT compiling as the server has it and off.
BENCH_PAGE=affinity: the affinity workspace instead (its left column lists the
search's notes not yet in an insight), the searches only. BENCH_PAGE=api: the API's list of notes (a page of 50),
every query; neither has a count of its own, so "first viewed" is the list when the browse page has kept none.
"""
import json
import os
import re
import statistics
import sys
import time
import uuid
from pathlib import Path

TREE = Path(os.environ.get("BENCH_TREE", Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(TREE))

import psycopg  # noqa: E402
from sqlalchemy import select  # noqa: E402
from werkzeug.datastructures import MultiDict  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.demo import data  # noqa: E402
from fieldnotes.demo.large import find_large_study  # noqa: E402
from fieldnotes.explore import search  # noqa: E402
from fieldnotes.explore.filters import parse_filters  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.studies.models import Tag, Touchpoint  # noqa: E402
from tests.factories import note_mutation  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 5))
SEARCHES = ["q=invoice", "q=month*", 'q="month end"', 'q="google sheet"', "q=couriers", "q=zebra"]
PAGE = os.environ.get("BENCH_PAGE", "notes")


def pages(study_id):
    tags = db.session.scalars(select(Tag.id).where(Tag.study_id == study_id).order_by(Tag.id)).all()
    touchpoints = db.session.scalars(select(Touchpoint.id).where(Touchpoint.study_id == study_id)
                                     .order_by(Touchpoint.id)).all()
    if PAGE == "affinity":
        return SEARCHES
    return SEARCHES + ["q=invoice&kind=quote", f"kind=quote&touchpoint={touchpoints[4]}",
                       f"tag={tags[0]}&tag={tags[3]}", f"tag={tags[3]}&from=2026-03-01"]


FOUND = ("FROM observation WHERE study_id = %(study)s AND deleted_at IS NULL"
         " AND search_words @@ to_tsquery('simple'::regconfig, %(words)s)")
# Two ways to list the newest 51, the faster of the two the floor: as asked, PostgreSQL may walk the newest-first
# index looking for the words, which for a word no note has reads the whole study (q=zebra: 3.4 s at 1M, a floor
# that flattered the app's 31 ms); found by the words' index first, then sorted, it reads only what matches.
COUNTED = f"SELECT count(*) {FOUND}"
FLOORS = ((COUNTED, f"SELECT id {FOUND} ORDER BY captured_at DESC, id DESC LIMIT 51"),
          (COUNTED, f"WITH found AS MATERIALIZED (SELECT id, captured_at {FOUND})"
                    " SELECT id FROM found ORDER BY captured_at DESC, id DESC LIMIT 51"))


def floors(url, study_id, asked):
    """{query: p50 ms of the floor's two statements} for each search among `asked` (PostgreSQL only): the faster
    of its two ways, each with PostgreSQL's JIT compiling as the server has it and turned off (as the app has it)."""
    if not url.startswith("postgresql"):
        return {}
    taken = {}
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as connection:
        for query in asked:
            parts = parse_filters(study_id, MultiDict([query.split("=", 1)])).parts if query.startswith("q=") else []
            if not parts or "&" in query:
                continue
            words = {"study": study_id, "words": search.tsquery(parts)}
            runs = {(floor, jit): [] for floor in FLOORS for jit in ("DEFAULT", "off")}
            for _ in range(ROUNDS):
                for floor, jit in runs:
                    connection.execute(f"SET jit = {jit}")
                    began = time.perf_counter()
                    for statement in floor:
                        connection.execute(statement, words).fetchall()
                    runs[floor, jit].append((time.perf_counter() - began) * 1000)
            taken[query] = min(statistics.median(times) for times in runs.values())
    return taken


def shown(page):
    """The notes the page says match (browse), the note cards its left column lists (the workspace), or the notes
    on the API's page."""
    if PAGE == "affinity":
        return page.count('data-note="')
    if PAGE == "api":
        return len(json.loads(page)["notes"])
    return int(re.search(r'<h2 id="results-heading">(\d+) note', page)[1])


def counted_after(client, page):
    """(ms, the notes counted) of the counts a page listed its notes without (explore/browse.py), else None."""
    found = re.search(r'data-counts="([^"]+)"', page)
    if not found:
        return None
    began = time.perf_counter()
    answer = client.get(found[1].replace("&amp;", "&"))
    taken = (time.perf_counter() - began) * 1000
    assert answer.status_code == 200, answer.status_code
    return taken, answer.json["total"]


def push_five(client, study_id, device):
    """A phone's push of 5 new notes to the study, with the words the searches look for."""
    notes = [note_mutation(study_id, kind="quote", text=f"Month end invoice from the couriers, {i}") for i in range(5)]
    answer = client.post("/api/sync/push", json={"device_id": device, "mutations": notes})
    assert answer.status_code == 200 and {r["status"] for r in answer.json["results"]} == {"applied"}, answer.json


def forget_counts(app):
    """Every filtered count kept so far: as after a write to the study (a new change number)."""
    app.extensions.get("fieldnotes.facet_cache") and app.extensions["fieldnotes.facet_cache"].entries.clear()


def main(url, size):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    client = app.test_client()
    answer = client.post("/login", data={"email": data.ACCOUNTS["owner"]["email"], "password": data.PASSWORD})
    assert answer.status_code == 303
    with app.app_context():
        study_id = find_large_study(size).id
        asked = pages(study_id)
        floor = floors(url, study_id, asked)
    views = ("first", "again", "pushed")
    runs = {(query, view): [] for query in asked for view in (*views, "counted")}
    notes, device = {}, str(uuid.uuid4())
    for round_number in range(ROUNDS + 1):
        for query in asked:
            for view in views:
                if view == "first":
                    forget_counts(app)
                elif view == "pushed":
                    push_five(client, study_id, device)
                began = time.perf_counter()
                path = f"/api/v1/studies/{study_id}/notes" if PAGE == "api" else f"/studies/{study_id}/{PAGE}"
                response = client.get(f"{path}?{query}")
                taken = (time.perf_counter() - began) * 1000
                assert response.status_code == 200, (query, response.status_code)
                later = PAGE == "notes" and counted_after(client, response.get_data(as_text=True))
                notes[query] = later[1] if later else shown(response.get_data(as_text=True))
                if round_number:
                    runs[(query, view)].append(taken)
                    if view == "first":  # the page and its counts, asked one after the other
                        runs[(query, "counted")].append(taken + (later[0] if later else 0))
    print(f"tree {TREE}, {size:,} notes, {ROUNDS} rounds; {PAGE} page ms, p50 / slowest, first viewed, again, "
          "after a push of 5, and first viewed then counted:")
    for query in asked:
        print(f"  {query:36} {notes[query]:>8,} notes" + "".join(
            f"  {view} {statistics.median(runs[query, view]):6.1f} / {max(runs[query, view]):6.1f}"
            for view in (*views, "counted") if PAGE == "notes" or view != "counted")
            + (f"  floor {floor[query]:6.1f}" if query in floor else ""))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000)
