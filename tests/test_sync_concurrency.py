"""Many phones at once, and the failures around them: answers lost after commit, stalls, a database
that is down or locked.

Many phones: overlapping batches, replays and racing edits while others pull.
Every note must be stored once, every racing edit but one must come back as a
conflict (kept as a revision), no request may fail, and every puller must see
every note, in order, without a change number repeated or skipped.
"""
import sqlite3
import threading
import time
import uuid
from collections import Counter
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, event, func, make_url, select, text
from sqlalchemy.exc import OperationalError

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation, Revision
from tests.factories import PASSWORD, make_study, make_user, note_mutation

DEVICE = "9b2f0f6e-4a53-4c52-9d0e-1f6a4f3d2c11"

# Four pullers on pages of 5: numbers handed out apart from their commit (as a sequence would) made
# a puller skip a note in 3 of 5 runs on PostgreSQL; two pullers on pages of 25 caught it in 0 of 3.
WRITERS, PULLERS, NOTES, BATCH, RACED = 8, 4, 160, 20, 8


def signed_in_client(app):
    client = app.test_client()
    assert client.post("/login", data={"email": "ana@example.org", "password": PASSWORD}).status_code == 303
    return client


def writer(app, study_id, creates, number, answers, failures, busy):
    """Pushes its share of notes (overlapping the next writer's), races edits, then replays it all."""
    client = signed_in_client(app)
    device = str(uuid.uuid4())
    start = number * NOTES // WRITERS
    mine = [creates[(start + k) % NOTES] for k in range(2 * NOTES // WRITERS)] + creates[:RACED]
    edits = [note_mutation(study_id, op="update", entity_id=m["entity_id"], base_version=1,
                           text=f"Edited on phone {number}") for m in creates[:RACED]]
    batches = [mine[i:i + BATCH] for i in range(0, len(mine), BATCH)] + [edits] + [mine[:BATCH]]
    for batch in batches:
        response = send(client, device, batch, busy)
        if response.status_code != 200:
            failures.append((response.status_code, response.text[:300]))
            continue
        answers.extend((m["op"], m["mutation_id"], r["status"]) for m, r in zip(batch, response.json["results"]))


def send(client, device, batch, busy):
    """As a phone does: a 503 (with Retry-After) means "unknown", so the same batch is sent again."""
    for _ in range(10):
        response = client.post("/api/sync/push", json={"device_id": device, "mutations": batch})
        if response.status_code != 503:
            return response
        busy.append(response.json["description"])
        time.sleep(0.1)
    return response


def puller(app, study_id, done, seen, failures):
    """Pulls small pages until the writers are done and it has caught up."""
    client = signed_in_client(app)
    cursor = ""
    while True:
        finished = done.is_set()  # read before the pull: a page after this covers every write
        response = client.get("/api/sync/pull", query_string={"study_id": study_id, "cursor": cursor,
                                                              "limit": 5})
        if response.status_code != 200:
            failures.append((response.status_code, response.text[:300]))
            return
        page = response.json
        seen.extend((c["id"], c["version"], c["seq"]) for c in page["changes"])
        cursor = page["cursor"]
        if finished and not page["has_more"]:
            return


def run_threads(app, study_id, creates):
    answers, failures, busy, done = [], [], [], threading.Event()
    seen = [[] for _ in range(PULLERS)]
    writers = [threading.Thread(target=writer, args=(app, study_id, creates, n, answers, failures, busy))
               for n in range(WRITERS)]
    pullers = [threading.Thread(target=puller, args=(app, study_id, done, seen[n], failures))
               for n in range(PULLERS)]
    for thread in pullers + writers:
        thread.start()
    for thread in writers:
        thread.join(timeout=120)
    done.set()
    for thread in pullers:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in writers + pullers), "a thread hung (deadlock?)"
    return answers, failures, busy, seen


def test_many_phones_pushing_overlapping_batches_while_others_pull(app):
    with app.app_context():
        study_id = make_study(make_user("ana@example.org", name="Ana")).id
    creates = [note_mutation(study_id, text=f"Note {i}") for i in range(NOTES)]
    answers, failures, busy, seen = run_threads(app, study_id, creates)
    assert failures == [] and busy == []  # a 503 would mean a deadlock or a starved writer

    create_statuses = Counter()
    for op, mutation_id, status in answers:
        if op == "create":
            create_statuses[(mutation_id, status)] += 1
    assert {m for (m, s) in create_statuses if s == "applied"} == {m["mutation_id"] for m in creates}
    assert all(n == 1 for (m, s), n in create_statuses.items() if s == "applied")
    assert {s for (m, s) in create_statuses} == {"applied", "duplicate"}  # nothing rejected or lost
    edit_statuses = Counter(s for op, _, s in answers if op == "update")
    assert edit_statuses == {"applied": RACED, "conflict": RACED * (WRITERS - 1)}

    with app.app_context():
        notes = {str(n.id): n.version for n in db.session.scalars(select(Observation))}
        assert len(notes) == NOTES
        conflicts = db.session.scalar(select(func.count()).where(Revision.kind == "conflict"))
        assert conflicts == RACED * (WRITERS - 1)
    for stream in seen:
        seqs = [seq for _, _, seq in stream]
        assert seqs == sorted(set(seqs)), "a pull repeated or reordered a change"
        latest = {note_id: version for note_id, version, _ in stream}
        assert latest == notes, "a puller missed a note or its last version"
        per_note = Counter(note_id for note_id, _, _ in stream)
        assert all(per_note[m["entity_id"]] == 1 for m in creates[RACED:])


@pytest.fixture
def study_id(app, client):
    with app.app_context():
        study_id = make_study(make_user("ana@example.org", name="Ana")).id
    client.post("/login", data={"email": "ana@example.org", "password": PASSWORD})
    return study_id


def push(client, *mutations):
    response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": list(mutations)})
    assert response.status_code == 200, response.json
    return response.json["results"]


def count_notes(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Observation))


def test_a_push_answered_503_after_commit_is_a_duplicate_when_resent(app, client, study_id):
    create = note_mutation(study_id)
    assert client.post("/api/_test/faults", json={"after_commit": "503", "count": 1}).status_code == 201
    lost = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": [create]})
    assert lost.status_code == 503 and count_notes(app) == 1
    assert push(client, create)[0]["status"] == "duplicate"


def test_database_unavailable_is_503_with_retry_after(app, client, study_id, monkeypatch):
    def down(*args):
        raise OperationalError("SELECT 1", {}, ConnectionError("connection refused"))
    monkeypatch.setattr("fieldnotes.sync.views.push_answers", down)
    response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": [note_mutation(study_id)]})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert response.json["code"] == 503 and "try again" in response.json["description"]


def test_a_stalled_answer_still_stores_the_note(app, client, study_id):
    client.post("/api/_test/faults", json={"stall_seconds": 0.3})
    started = time.monotonic()
    [result] = push(client, note_mutation(study_id))
    assert result["status"] == "applied" and time.monotonic() - started >= 0.3


def test_a_database_that_is_down_or_locked_answers_503_and_the_resend_works(app, client, study_id):
    create = note_mutation(study_id)
    with database_unavailable(app):
        response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": [create]})
        assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert push(client, create)[0]["status"] == "applied" and count_notes(app) == 1


@contextmanager
def database_unavailable(app):
    """PostgreSQL refusing connections, or SQLite held by another writer past the busy timeout."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "postgresql":
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS false'))
            connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                    "WHERE datname = :name"), {"name": url.database})
        try:
            yield
        finally:
            with admin.connect() as connection:
                connection.execute(text(f'ALTER DATABASE "{url.database}" ALLOW_CONNECTIONS true'))
            admin.dispose()
        return
    with app.app_context():
        db.engine.dispose()
        event.listen(db.engine, "connect", short_busy_timeout)
    holder = sqlite3.connect(url.database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def short_busy_timeout(dbapi_connection, record):
    dbapi_connection.execute("PRAGMA busy_timeout=200")

