"""Push and pull throughput for issue 3, beside a raw insert of the same rows.

    .venv/bin/python bench/sync_bench.py                      # SQLite file in a temp dir
    .venv/bin/python bench/sync_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fieldnotes_bench

    BENCH_NOTES=2000 BENCH_PROFILE=1 .venv/bin/python bench/sync_bench.py [url]   # where push time goes

The PostgreSQL database must exist and be empty; its tables are dropped and made again.
Pushes go through the whole app (routing, sign-in, validation, one transaction
per group of 25 notes with a savepoint each, answers) in-process with Flask's
test client, so the figure is server time without the network. Three raw floors,
SQLAlchemy Core into the same database in the same run:
  notes/batch   the same note rows, one executemany and one commit per batch;
  all/batch     every row the app writes for a new note (note, revision,
                processed mutation) plus one counter update, one commit per batch;
  notes/note    the same note rows, one commit per note (durable note by note).
"""
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, event, func, insert, select, update  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.observations.models import ChangeStream, Observation, Revision, observation_tag  # noqa: E402
from fieldnotes.sync.models import ProcessedMutation  # noqa: E402
from tests.factories import PASSWORD, make_study, make_user, note_mutation  # noqa: E402

NOTES, BATCH = int(os.environ.get("BENCH_NOTES", 10_000)), 200
PROFILE = os.environ.get("BENCH_PROFILE") == "1"


def build_app(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        user = make_user("bench@example.org")
        study = make_study(user)
        return app, study.id


def mutations(study_id):
    start = datetime(2026, 3, 1, 9, tzinfo=UTC)
    return [note_mutation(study_id, text=f"Re-keys order {i} from the PDF into the ERP by hand.",
                          captured_at=(start + timedelta(seconds=i)).isoformat())
            for i in range(NOTES)]


def time_push(app, batches):
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
    device = str(uuid.uuid4())
    per_batch = []
    for batch in batches:
        began = time.perf_counter()
        response = client.post("/api/sync/push", json={"device_id": device, "mutations": batch})
        per_batch.append(time.perf_counter() - began)
        assert response.status_code == 200 and all(r["status"] == "applied" for r in response.json["results"])
    return per_batch


def time_pull(app, study_id):
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
    cursor, seen, began = "", 0, time.perf_counter()
    while True:
        page = client.get(f"/api/sync/pull?study_id={study_id}&cursor={cursor}&limit=500").json
        seen += len(page["changes"])
        cursor = page["cursor"]
        if not page["has_more"]:
            break
    assert seen == NOTES, seen
    return time.perf_counter() - began


def clear_notes():
    for table in (observation_tag, Revision.__table__, ProcessedMutation.__table__, Observation.__table__):
        db.session.execute(delete(table))
    db.session.commit()


def raw_rows(batch, study_id, author_id, seq):
    """The note, revision and processed-mutation rows the app would write for this batch."""
    notes, revisions, processed = [], [], []
    for m in batch:
        seq += 1
        note_id, data = uuid.UUID(m["entity_id"]), m["data"]
        notes.append({"id": note_id, "study_id": study_id, "author_id": author_id, "kind": "observation",
                      "text": data["text"], "captured_at": datetime.fromisoformat(data["captured_at"]),
                      "version": 1, "seq": seq})
        revisions.append({"observation_id": note_id, "version": 1, "data": data, "author_id": author_id,
                          "kind": "edit"})
        processed.append({"mutation_id": uuid.UUID(m["mutation_id"]), "user_id": author_id,
                          "entity_id": note_id, "result": {"status": "applied", "seq": seq},
                          "counter_at": seq})
    return notes, revisions, processed, seq


def time_raw_insert(app, study_id, batches, mode):
    """A floor: `notes` (note rows only) or `all` (every row), committed per `batch` or per `note`."""
    with app.app_context():
        clear_notes()
        author_id = db.session.scalar(db.select(db.text("id")).select_from(db.text('"user"')))
        began, seq = time.perf_counter(), 10**6
        for batch in batches:
            notes, revisions, processed, seq = raw_rows(batch, study_id, author_id, seq)
            if mode == "notes/note":
                for row in notes:
                    db.session.execute(insert(Observation), [row])
                    db.session.commit()
                continue
            if mode == "all/batch":
                db.session.execute(update(ChangeStream).values(counter=ChangeStream.counter + len(batch)))
            db.session.execute(insert(Observation), notes)
            if mode == "all/batch":
                db.session.execute(insert(Revision), revisions)
                db.session.execute(insert(ProcessedMutation), processed)
            db.session.commit()
        elapsed = time.perf_counter() - began
        assert db.session.scalar(select(func.count()).select_from(Observation)) == NOTES
        return elapsed


def profile_push(app, batches):
    """cProfile of the pushes (top 25 by cumulative time) and the SQL statements per note."""
    with app.app_context():
        engine = db.engine
    statements = []
    event.listen(engine, "before_cursor_execute", lambda *args: statements.append(1))
    profiler = cProfile.Profile()
    profiler.enable()
    per_batch = time_push(app, batches)
    profiler.disable()
    print(f"push under the profiler: {sum(per_batch):.2f} s for {NOTES} notes;"
          f" {len(statements) / NOTES:.1f} SQL statements per note")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main(url):
    app, study_id = build_app(url)
    all_mutations = mutations(study_id)
    batches = [all_mutations[i:i + BATCH] for i in range(0, NOTES, BATCH)]
    if PROFILE:
        return profile_push(app, batches)
    per_batch = time_push(app, batches)
    with app.app_context():
        stored = db.session.scalar(select(func.count()).select_from(Observation))
    assert stored == NOTES, stored
    pushed = sum(per_batch)
    pulled = time_pull(app, study_id)
    floors = {mode: time_raw_insert(app, study_id, batches, mode)
              for mode in ("notes/batch", "all/batch", "notes/note")}
    backend = url.split(":")[0]
    print(f"backend={backend} notes={NOTES} batch={BATCH}")
    print(f"push: {pushed:.2f} s, {NOTES / pushed:,.0f} notes/s, batch p50 {statistics.median(per_batch) * 1000:.0f} ms,"
          f" p95 {statistics.quantiles(per_batch, n=20)[18] * 1000:.0f} ms")
    for mode, raw in floors.items():
        print(f"raw floor {mode}: {raw:.2f} s, {NOTES / raw:,.0f} notes/s; push is {pushed / raw:.1f}x this floor")
    print(f"pull of {NOTES} notes in pages of 500: {pulled:.2f} s, {NOTES / pulled:,.0f} notes/s")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        main(sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tmp}/bench.sqlite")
