"""Many phones at once: overlapping batches, replays and racing edits while others pull.

Every note must be stored once, every racing edit but one must come back as a
conflict (kept as a revision), no request may fail, and every puller must see
every note, in order, without a change number repeated or skipped.
"""
import threading
import time
import uuid
from collections import Counter

from sqlalchemy import func, select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation, Revision
from tests.factories import PASSWORD, make_study, make_user, note_mutation

WRITERS, PULLERS, NOTES, BATCH, RACED = 8, 2, 160, 20, 8


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
                                                              "limit": 25})
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
