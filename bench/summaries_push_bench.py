"""What counts kept on write (observations/summaries.py) add to a push of new notes, in one run:
the plain DB-API floor, then the same 10k realistic notes pushed with the counts kept and with
their upkeep switched off, twice each in turn (best of two), the database emptied in between.
Each round also pushes an update of the first 2,000 notes (touchpoint, kind and tags changed):
updates go through the flush listener, new notes through count_new_notes.

    .venv/bin/python bench/summaries_push_bench.py            # SQLite file in a temp dir
    .venv/bin/python bench/summaries_push_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fieldnotes_bench

Notes, batches and the floor are bench/push_bench.py's (realistic: touchpoint, role, participant,
visit, 0-3 tags; batches of 200).
"""
import os
import sys
import tempfile
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import delete, event  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

import push_bench  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.observations import summaries  # noqa: E402
from fieldnotes.observations.models import (  # noqa: E402
    CellFacetCount, FacetCount, JourneyCount, Observation, Revision, observation_tag)
from fieldnotes.sync.models import ProcessedMutation  # noqa: E402

UPDATES = int(os.environ.get("BENCH_UPDATES", 2_000))
KEPT = summaries.count_new_notes


def empty(app):
    with app.app_context():
        for table in (observation_tag, Revision.__table__, ProcessedMutation.__table__, Observation.__table__,
                      JourneyCount.__table__, FacetCount.__table__, CellFacetCount.__table__):
            db.session.execute(delete(table))
        db.session.commit()


def edits_of(batches):
    """An update of each of the first UPDATES notes, as a phone sends a note edited once: another touchpoint
    (shifted along the list), role kept, one tag fewer or one more, another kind."""
    kinds = push_bench.KINDS
    creates = [m for batch in batches for m in batch][:UPDATES]
    touchpoints = sorted({m["data"]["touchpoint_id"] for m in creates})
    edits = []
    for m in creates:
        data = dict(m["data"])
        data["touchpoint_id"] = touchpoints[(touchpoints.index(data["touchpoint_id"]) + 1) % len(touchpoints)]
        data["kind"] = kinds[(kinds.index(data["kind"]) + 1) % len(kinds)]
        data["tags"] = data["tags"][1:] if data["tags"] else ["tag 1"]
        edits.append({**m, "mutation_id": str(uuid.uuid4()), "op": "update", "base_version": 1, "data": data})
    return [edits[i:i + push_bench.BATCH] for i in range(0, len(edits), push_bench.BATCH)]


def counts_kept(keep):
    """Switch the upkeep on or off: the rows' counts, and the flush listener every other write goes through."""
    for name in ("before_flush", "before_commit"):
        listener = getattr(summaries, name)
        if keep and not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
        elif not keep and event.contains(Session, name, listener):
            event.remove(Session, name, listener)
    summaries.count_new_notes = KEPT if keep else (lambda *rows: None)


def push(app, batches, keep_counts):
    counts_kept(keep_counts)
    try:
        per_batch, statements = push_bench.time_push(app, batches)
        edited, edit_statements = push_bench.time_push(app, edits_of(batches))
    finally:
        counts_kept(True)
    if keep_counts:
        with app.app_context():
            study_id = db.session.scalar(db.select(Observation.study_id).limit(1))
            assert summaries.stored(study_id) == summaries.recount(study_id)
    empty(app)
    return sum(per_batch), statements, sum(edited), edit_statements


def main(url):
    app, study_id, author_id, terms, tags = push_bench.build_app(url)
    notes = push_bench.NOTES
    batches = [m[i:i + push_bench.BATCH] for m in [push_bench.mutations(study_id, terms)]
               for i in range(0, notes, push_bench.BATCH)]
    floor = push_bench.time_floor(app, author_id, tags, batches)
    results = {True: [], False: []}
    for keep_counts in (False, True, False, True):
        results[keep_counts].append(push(app, batches, keep_counts))
    print(f"backend={url.split(':')[0]} notes={notes} batch={push_bench.BATCH} load={os.getloadavg()[0]:.1f}")
    print(f"floor (plain DB-API, same rows): {floor:.2f} s")
    for keep_counts, label in ((False, "push, counts not kept"), (True, "push, counts kept")):
        best, statements, _, _ = min(results[keep_counts])
        print(f"{label}: {best:.2f} s (best of 2; {statements / len(batches):.0f} statements per batch), "
              f"{best / floor:.2f}x the floor")
    added = min(results[True])[0] - min(results[False])[0]
    print(f"added by the counts: {added:.2f} s ({added / min(results[False])[0] * 100:+.0f}%)")
    off, on = (min(r[2] for r in results[keep]) for keep in (False, True))
    edit_batches = -(-UPDATES // push_bench.BATCH)
    said = {keep: results[keep][0][3] / edit_batches for keep in (False, True)}
    print(f"push of {UPDATES:,} updates (batches of {push_bench.BATCH}): counts not kept {off:.2f} s "
          f"({said[False]:.0f} statements per batch), kept {on:.2f} s ({said[True]:.0f} statements per batch) "
          f"({(on - off) / off * 100:+.0f}%)")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        main(sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tmp}/bench.sqlite")
