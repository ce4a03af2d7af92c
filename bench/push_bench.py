"""Push of realistic new notes (issue 11), beside a plain DB-API floor writing the same rows, in one run.

    .venv/bin/python bench/push_bench.py                      # SQLite file in a temp dir
    .venv/bin/python bench/push_bench.py postgresql+psycopg://postgres@127.0.0.1:5432/fieldnotes_bench
    BENCH_NOTES=2000 .venv/bin/python bench/push_bench.py [url]

The PostgreSQL database must exist; its tables are dropped and made again.
Notes are realistic: a touchpoint, a role, a participant (24) and a visit (6),
text of 40 to 300 characters, sometimes "what they expected", 0 to 3 tags of
40 (all in the study already), captured over a week; batches of 200.
The floor goes first, on the driver's own connection (sqlite3 or psycopg, no
SQLAlchemy): per batch one counter update, then executemany of the rows the app
writes for a new note (observation, revision, tag links, processed mutation),
one commit. Its rows are then deleted and the app pushes the same notes through
the Flask test client (routing, sign-in, validation, checks, answers): server
time without the network. Statements are counted on the app's engine.
"""
import json
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import delete, event, func, select  # noqa: E402

from fieldnotes import create_app  # noqa: E402
from fieldnotes.extensions import db  # noqa: E402
from fieldnotes.observations import changes  # noqa: E402
from fieldnotes.observations.models import Observation, Revision, observation_tag  # noqa: E402
from fieldnotes.studies.models import Tag  # noqa: E402
from fieldnotes.sync.models import ProcessedMutation  # noqa: E402
from tests.factories import PASSWORD, make_participant, make_study, make_user, make_visit  # noqa: E402

NOTES, BATCH = int(os.environ.get("BENCH_NOTES", 10_000)), 200
WORDS = ("invoice paper retype screen approval courier portal export spreadsheet login manager waits "
         "support ticket phone email printer training handbook tab column report monthly quarter").split()
KINDS = ("observation", "quote", "breakdown", "workaround", "delight", "artifact", "idea")


def build_app(url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench",
                      "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000"})
    with app.app_context():
        db.drop_all()
        db.create_all()
        user = make_user("bench@example.org")
        study = make_study(user)
        visits = [make_visit(study, organisation=f"Account {i}", visited_on=date(2026, 3, 2 + i)) for i in range(6)]
        participants = [make_participant(study, visits=[visits[i % 6]], pseudonym=f"P{i + 1}") for i in range(24)]
        db.session.add_all(Tag(study_id=study.id, name=f"tag {i}") for i in range(1, 41))
        changes.current_epoch()  # the counter row, as after a first sync
        db.session.commit()
        terms = {"touchpoint_id": [t.id for t in study.touchpoints], "role_id": [r.id for r in study.roles],
                 "visit_id": [v.id for v in visits], "participant_id": [p.id for p in participants]}
        tags = {t.name: t.id for t in db.session.scalars(select(Tag).where(Tag.study_id == study.id))}
        return app, study.id, user.id, terms, tags


def mutations(study_id, terms):
    """NOTES realistic new notes as a phone sends them, seeded so every run pushes the same."""
    rng, start = random.Random(11), datetime(2026, 3, 2, 9, tzinfo=UTC)
    out = []
    for i in range(NOTES):
        visit = i % 6
        text = " ".join(rng.choices(WORDS, k=rng.randint(6, 45)))
        data = {"study_id": study_id, "kind": rng.choice(KINDS), "text": text.capitalize() + ".",
                "expected": rng.choice([None, None, "One screen for it."]),
                "touchpoint_id": rng.choice(terms["touchpoint_id"]), "role_id": rng.choice(terms["role_id"]),
                "participant_id": terms["participant_id"][visit + 6 * rng.randint(0, 3)],
                "visit_id": terms["visit_id"][visit],
                "tags": sorted({f"tag {rng.randint(1, 40)}" for _ in range(rng.randint(0, 3))}),
                "captured_at": (start + timedelta(days=visit, seconds=i % 28_000)).isoformat(), "media": []}
        out.append({"mutation_id": str(uuid.uuid4()), "entity": "observation", "entity_id": str(uuid.uuid4()),
                    "op": "create", "base_version": None, "data": data, "client_time": data["captured_at"]})
    return out


class Floor:
    """The rows of a batch of new notes as the plain driver takes them (SQLite: hex ids, naive UTC, JSON text)."""

    def __init__(self, dialect, author_id, tags):
        self.sqlite, self.author_id, self.tags = dialect == "sqlite", author_id, tags
        mark = "?" if self.sqlite else "%s"
        self.sql = {
            "counter": f"UPDATE sync_state SET counter = counter + {mark} WHERE id = 1 RETURNING counter",
            "observation": "INSERT INTO observation (id, study_id, author_id, kind, text, expected, touchpoint_id, "
                           "role_id, participant_id, visit_id, no_person, captured_at, client_time_suspect, "
                           f"received_at, updated_at, version, seq, created_by_device) VALUES ({marks(18, mark)})",
            "revision": "INSERT INTO revision (observation_id, version, data, author_id, device_id, kind, created_at) "
                        f"VALUES ({marks(7, mark)})",
            "tags": f"INSERT INTO observation_tag (observation_id, tag_id) VALUES ({marks(2, mark)})",
            "processed": "INSERT INTO processed_mutation (mutation_id, user_id, entity_id, result, counter_at, "
                         f"created_at) VALUES ({marks(6, mark)})",
        }

    def uid(self, value):
        value = uuid.UUID(value) if isinstance(value, str) else value
        return value.hex if self.sqlite else value

    def when(self, value):
        return value.replace(tzinfo=None) if self.sqlite else value

    def json(self, value):
        if self.sqlite:
            return json.dumps(value)
        from psycopg.types.json import Json
        return Json(value)

    def write(self, connection, batch, device):
        cursor = connection.cursor()
        cursor.execute(self.sql["counter"], (len(batch),))
        last = cursor.fetchone()[0]
        now = self.when(datetime.now(UTC))
        notes, revisions, links, processed = [], [], [], []
        for seq, m in enumerate(batch, start=last - len(batch) + 1):
            d, note_id = m["data"], self.uid(m["entity_id"])
            notes.append((note_id, d["study_id"], self.author_id, d["kind"], d["text"], d["expected"],
                          d["touchpoint_id"], d["role_id"], d["participant_id"], d["visit_id"], False,
                          self.when(datetime.fromisoformat(d["captured_at"])), False, now, now, 1, seq,
                          self.uid(device)))
            revisions.append((note_id, 1, self.json(d), self.author_id, self.uid(device), "edit", now))
            links.extend((note_id, self.tags[name]) for name in d["tags"])
            processed.append((self.uid(m["mutation_id"]), self.author_id, note_id,
                              self.json({"mutation_id": m["mutation_id"], "status": "applied",
                                         "entity_id": m["entity_id"], "version": 1, "seq": seq}), seq, now))
        cursor.executemany(self.sql["observation"], notes)
        cursor.executemany(self.sql["revision"], revisions)
        cursor.executemany(self.sql["tags"], links)
        cursor.executemany(self.sql["processed"], processed)
        connection.commit()


def marks(count, mark):
    return ", ".join([mark] * count)


def time_floor(app, author_id, tags, batches):
    with app.app_context():
        floor, device = Floor(db.engine.dialect.name, author_id, tags), uuid.uuid4()
        connection = db.engine.raw_connection()
        try:
            began = time.perf_counter()
            for batch in batches:
                floor.write(connection, batch, device)
            elapsed = time.perf_counter() - began
        finally:
            connection.close()
        assert db.session.scalar(select(func.count()).select_from(Observation)) == NOTES
        for table in (observation_tag, Revision.__table__, ProcessedMutation.__table__, Observation.__table__):
            db.session.execute(delete(table))
        db.session.commit()
        return elapsed


def time_push(app, batches):
    client = app.test_client()
    client.post("/login", data={"email": "bench@example.org", "password": PASSWORD})
    device, per_batch, statements = str(uuid.uuid4()), [], []
    with app.app_context():
        engine = db.engine
    count = lambda *args: statements.append(1)  # noqa: E731
    event.listen(engine, "before_cursor_execute", count)
    for batch in batches:
        began = time.perf_counter()
        response = client.post("/api/sync/push", json={"device_id": device, "mutations": batch})
        per_batch.append(time.perf_counter() - began)
        assert response.status_code == 200 and all(r["status"] == "applied" for r in response.json["results"])
    event.remove(engine, "before_cursor_execute", count)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Observation)) == NOTES
    return per_batch, len(statements)


def main(url):
    app, study_id, author_id, terms, tags = build_app(url)
    batches = [m[i:i + BATCH] for m in [mutations(study_id, terms)] for i in range(0, NOTES, BATCH)]
    floor = time_floor(app, author_id, tags, batches)
    per_batch, statements = time_push(app, batches)
    pushed = sum(per_batch)
    print(f"backend={url.split(':')[0]} notes={NOTES} batch={BATCH} load={os.getloadavg()[0]:.1f}")
    print(f"floor (plain DB-API, same rows): {floor:.2f} s, {NOTES / floor:,.0f} notes/s")
    print(f"push (test client): {pushed:.2f} s, {NOTES / pushed:,.0f} notes/s, batch p50 "
          f"{statistics.median(per_batch) * 1000:.0f} ms; {statements / NOTES:.2f} SQL statements per note "
          f"({statements / len(batches):.0f} per batch); push / floor = {pushed / floor:.1f}x")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        main(sys.argv[1] if len(sys.argv) > 1 else f"sqlite:///{tmp}/bench.sqlite")
