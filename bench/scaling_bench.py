"""The scaling table's push and pull rows (issue 11, item 4): 10k realistic notes pushed into a study that
already holds BASE notes, then pulled by a phone that had everything before them, each beside its plain
DB-API floor in the same run.

    .venv/bin/python bench/scaling_bench.py <url> 100000     # a study of 100k notes (seeded first)
    .venv/bin/python bench/scaling_bench.py <url> 0          # an empty study: the 10k column
    BENCH_ROUNDS=3 .venv/bin/python bench/scaling_bench.py <url> 100000

The database must exist; its tables are dropped and made again. The study is `flask seed-demo --notes
BASE`'s synthetic one (demo/large.py: touchpoint, role, participant, visit, 0-2 tags), analysed after
seeding; 40 tags "tag 1".."tag 40" are added for the pushed notes, which are push_bench.py's realistic
notes (touchpoint, role, a participant seen at the note's visit, 0-3 tags), batches of 200.
- push:  the floor first (push_bench.Floor: the same rows through plain sqlite3 / psycopg, one commit a
  batch), its rows then deleted; then the app through the Flask test client, as push_bench.py does;
- pull:  the phone's cursor at the end of the BASE notes, pages of 500 of the 10k pushed ones, the app
  (pull_bench.pull_app: its answers timed, in-process) beside pull_bench.pull_floor (three plain queries a
  page, the same JSON), BENCH_PULL_ROUNDS (5) times interleaved, medians, after an ANALYZE (as autovacuum
  makes one after 10k new rows; without it the floor's plain queries ran slower than the app's).
Each round after the first pushes another 10k (the study grows by 10k a round); the figures of every
round are printed.
"""
import os
import statistics
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(1, str(Path(__file__).resolve().parent))

import pull_bench  # noqa: E402
import push_bench  # noqa: E402
from sqlalchemy import delete, event, func, select, text  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.auth.service import create_user  # noqa: E402
from fieldnotes.demo import large  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.observations import changes  # noqa: E402
from fieldnotes.observations.models import Observation, Revision, observation_tag  # noqa: E402
from fieldnotes.studies.models import Tag  # noqa: E402
from fieldnotes.visits.models import Participant, SiteVisit  # noqa: E402
from fieldnotes.sync.models import ProcessedMutation  # noqa: E402

ROUNDS = int(os.environ.get("BENCH_ROUNDS", 1))
PULL_ROUNDS = int(os.environ.get("BENCH_PULL_ROUNDS", 5))


def build(url, base):
    """(app, study id, the pushing user's id, the terms and tags push_bench's notes draw from)."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": pull_bench.SECRET,
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        users = {role: create_user(f"{role}@bench.test", role.title(), pull_bench.PASSWORD)
                 for role in ("owner", "researcher", "designer", "viewer")}
        db.session.flush()
        study = large.seed_large(users, base)
        db.session.add_all(Tag(study_id=study.id, name=f"tag {i}") for i in range(1, 41))
        changes.current_epoch()
        db.session.commit()
        db.session.execute(text("ANALYZE"))
        db.session.commit()
        return app, study.id, users["researcher"].id, terms_of(study), tags_of(study.id)


def terms_of(study):
    """push_bench.mutations() takes participant[visit + 6 k] for visit index 0-5: seed_large puts person n at
    visit n % 12, so person v + 12 k is at visit v."""
    visits = db.session.scalars(select(SiteVisit.id).where(SiteVisit.study_id == study.id)
                                .order_by(SiteVisit.id)).all()
    people = db.session.scalars(select(Participant.id).where(Participant.study_id == study.id)
                                .order_by(Participant.id)).all()
    return {"touchpoint_id": [t.id for t in study.touchpoints], "role_id": [r.id for r in study.roles],
            "visit_id": visits[:6], "participant_id": [people[i % 6 + 12 * (i // 6)] for i in range(24)]}


def tags_of(study_id):
    return {t.name: t.id for t in db.session.scalars(select(Tag).where(Tag.study_id == study_id,
                                                                          Tag.name.like("tag %")))}


def statements_on(app):
    counts = [0]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *args: counts.__setitem__(0, counts[0] + 1))
    return counts


def push_floor(app, author_id, tags, batches):
    """The floor's seconds; then its rows are deleted (they touched no summary, so none drifts)."""
    with app.app_context():
        floor, device = push_bench.Floor(db.engine.dialect.name, author_id, tags), uuid.uuid4()
        connection = db.engine.raw_connection()
        try:
            began = time.perf_counter()
            for batch in batches:
                floor.write(connection, batch, device)
            elapsed = time.perf_counter() - began
        finally:
            connection.close()
        ids = [uuid.UUID(m["entity_id"]) for batch in batches for m in batch]
        mutation_ids = [uuid.UUID(m["mutation_id"]) for batch in batches for m in batch]
        for start in range(0, len(ids), 1000):
            chunk = ids[start:start + 1000]
            db.session.execute(delete(observation_tag).where(observation_tag.c.observation_id.in_(chunk)))
            db.session.execute(delete(Revision).where(Revision.observation_id.in_(chunk)))
            db.session.execute(delete(ProcessedMutation).where(
                ProcessedMutation.mutation_id.in_(mutation_ids[start:start + 1000])))
            db.session.execute(delete(Observation).where(Observation.id.in_(chunk)))
        db.session.commit()
        return elapsed


def push_app(client, batches):
    device, took = str(uuid.uuid4()), 0.0
    for batch in batches:
        began = time.perf_counter()
        response = client.post("/api/sync/push", json={"device_id": device, "mutations": batch})
        took += time.perf_counter() - began
        assert response.status_code == 200 and all(r["status"] == "applied" for r in response.json["results"])
    return took


def position(app):
    with app.app_context():
        return f"{changes.current_epoch()}:{changes.current_counter()}"


def one_round(app, url, client, study_id, author_id, terms, tags, counts):
    batches = [m[i:i + push_bench.BATCH] for m in [push_bench.mutations(study_id, terms)]
               for i in range(0, push_bench.NOTES, push_bench.BATCH)]
    for batch in batches:  # a fresh set of ids each round (mutations() is seeded: the same every call)
        for m in batch:
            m["mutation_id"], m["entity_id"] = str(uuid.uuid4()), str(uuid.uuid4())
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(Observation).where(
            Observation.study_id == study_id))
    floor_push = push_floor(app, author_id, tags, batches)
    cursor = position(app)
    counts[0] = 0
    app_push = push_app(client, batches)
    push_statements = counts[0]
    with app.app_context():  # as autovacuum would after 10k new rows: both pulls plan with today's statistics
        db.session.execute(text("ANALYZE"))
        db.session.commit()
    after = int(cursor.partition(":")[2])
    app_pulls, floor_pulls = [], []
    for _ in range(PULL_ROUNDS):  # interleaved, medians: the machine is shared
        counts[0] = 0
        seen, pages, _size, _cursor, took = pull_bench.pull_app(client, study_id, cursor)
        app_pulls.append(took)
        pull_statements = counts[0]
        began = time.perf_counter()
        floor_seen, _ = pull_bench.pull_floor(url, study_id, after)
        floor_pulls.append(time.perf_counter() - began)
        assert seen == floor_seen == push_bench.NOTES, (seen, floor_seen)
    app_pull, floor_pull = statistics.median(app_pulls), statistics.median(floor_pulls)
    print(f"study of {before:,} notes (load {os.getloadavg()[0]:.1f}): push {push_bench.NOTES:,} app "
          f"{app_push:.2f} s ({push_statements} statements), floor {floor_push:.2f} s: "
          f"{app_push / floor_push:.2f}x; pull {seen:,} in {pages} pages app {app_pull:.3f} s "
          f"({pull_statements} statements), floor {floor_pull:.3f} s: {app_pull / floor_pull:.2f}x")


def main(url, base):
    started = time.perf_counter()
    app, study_id, author_id, terms, tags = build(url, base)
    print(f"{'PostgreSQL' if url.startswith('postgresql') else 'SQLite'}; {base:,} notes seeded in "
          f"{time.perf_counter() - started:.0f} s; load {os.getloadavg()}")
    counts = statements_on(app)
    client = pull_bench.signed_in(app)
    for _ in range(ROUNDS):
        one_round(app, url, client, study_id, author_id, terms, tags, counts)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
