"""The change counter taken at the end of a push (observations/counter.py, issue 11 item 5).

A push on PostgreSQL writes its notes with provisional numbers and takes the
counter only to number them, just before commit; so pushes run side by side,
and still commit their numbers in order. Every other writer takes the counter
first, after the pushes already open have committed. On SQLite one writer runs
at a time anyway, and numbers are real from the start.
"""
import threading
import time
import uuid

import pytest
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.explore.edits import Stale, edit_fields
from fieldnotes.auth.models import User
from fieldnotes.observations import changes
from fieldnotes.observations.models import Observation
from fieldnotes.sync.schemas import load_mutation
from tests.factories import PASSWORD, make_study, make_user, note_mutation

DEVICE = "6f1c1c4e-8d2a-4f55-9e57-2b0a4c8d9e10"
WAIT = 30  # seconds a thread may take before the test calls it hung


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


def pull(client, study_id, cursor=""):
    response = client.get("/api/sync/pull", query_string={"study_id": study_id, "cursor": cursor})
    assert response.status_code == 200, response.json
    return response.json


def validated(study_id, **data):
    mutation, errors = load_mutation(note_mutation(study_id, **data))
    assert not errors
    return mutation["entity_id"], mutation["data"]


def on_postgresql(app):
    return app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql")


class OpenPush(threading.Thread):
    """A push's transaction, held open after writing a note until `finish` is set, then numbered and
    committed, as sync/push.py does: number_late() first, number_changes() just before commit."""

    def __init__(self, app, write):
        super().__init__(daemon=True)
        self.app, self.write = app, write
        self.written, self.finish, self.error = threading.Event(), threading.Event(), None

    def run(self):
        try:
            with self.app.app_context():
                changes.number_late()
                self.write()
                db.session.flush()
                self.written.set()
                assert self.finish.wait(WAIT)
                changes.number_changes()
                db.session.commit()
        except Exception as error:  # noqa: BLE001 (the test asserts on it)
            self.error = error
            self.written.set()


def test_a_push_left_open_holds_up_no_other_push_and_still_numbers_after_it(app, client, study_id):
    if not on_postgresql(app):
        pytest.skip("SQLite has one writer at a time; test_on_sqlite_numbers_are_real_from_the_start covers it")
    first_id, first_data = validated(study_id, text="Opened first, committed last")
    cursor = pull(client, study_id)["cursor"]  # the phone has synced before: the counter's row exists

    def write():
        with app.app_context():
            author = db.session.scalar(select(User.id).where(User.email == "ana@example.org"))
        changes.write_new_notes(author, None, [(first_id, first_data)])
    slow = OpenPush(app, write)
    slow.start()
    assert slow.written.wait(WAIT) and slow.error is None

    [answer] = push(client, note_mutation(study_id, text="Sent while the first was open"))
    seen = pull(client, study_id, cursor)  # the second push committed while the first is still open
    assert [c["data"]["text"] for c in seen["changes"]] == ["Sent while the first was open"]
    assert answer["seq"] == int(seen["cursor"].rsplit(":", 1)[1]) > 0

    slow.finish.set()
    slow.join(WAIT)
    assert not slow.is_alive() and slow.error is None
    later = pull(client, study_id, seen["cursor"])  # numbered after the second: the puller does not skip it
    assert [c["data"]["text"] for c in later["changes"]] == ["Opened first, committed last"]
    assert later["changes"][0]["seq"] > answer["seq"]


def test_on_sqlite_numbers_are_real_from_the_start(app, study_id):
    if on_postgresql(app):
        pytest.skip("PostgreSQL numbers a push late: test_a_push_left_open_... covers it")
    with app.app_context():
        before = changes.current_counter()
        changes.number_late()
        [seq] = changes.take_seqs(1)
        assert seq == before + 1 == changes.current_counter()  # the counter is taken (the write lock)
        db.session.rollback()


def test_a_laptop_edit_waits_for_an_open_push_and_then_sees_its_version(app, client, study_id):
    """An edit based on version 1, made while a push of version 2 is still open, is refused as stale
    once the push commits: it must neither overwrite the push nor deadlock with it."""
    [created] = push(client, note_mutation(study_id, text="Version 1"))
    note_id = uuid.UUID(created["entity_id"])
    _, data = validated(study_id, text="Version 2, from the phone")

    def write():
        note = db.session.get(Observation, note_id, with_for_update=True)
        author = db.session.scalar(select(User.id).where(User.email == "ana@example.org"))
        changes.write_note(note, {**data, "study_id": note.study_id}, author)
    phone = OpenPush(app, write)
    phone.start()
    assert phone.written.wait(WAIT) and phone.error is None

    outcome = {}

    def laptop_edit():
        with app.app_context():
            note = db.session.get(Observation, note_id)
            user = db.session.scalar(select(User).where(User.email == "ana@example.org"))
            try:
                edit_fields(note, user, {"kind": "breakdown"}, base_version=1)
                db.session.commit()
                outcome["edit"] = "written"
            except Stale:
                db.session.rollback()
                outcome["edit"] = "stale"
    laptop = threading.Thread(target=laptop_edit, daemon=True)
    laptop.start()
    time.sleep(0.5)
    assert laptop.is_alive(), "the edit went ahead while a push of the same note was open"
    phone.finish.set()
    phone.join(WAIT)
    laptop.join(WAIT)
    assert not phone.is_alive() and not laptop.is_alive() and phone.error is None
    assert outcome == {"edit": "stale"}
    with app.app_context():
        note = db.session.get(Observation, note_id)
        assert (note.version, note.text, note.kind) == (2, "Version 2, from the phone", "observation")
        assert note.seq == changes.current_counter()


def test_a_push_that_forgets_to_number_still_commits_real_numbers(app, study_id):
    """The commit numbers whatever is left provisional: a negative number would hide a note from every pull."""
    note_id, data = validated(study_id, text="Numbered by the commit")
    with app.app_context():
        author = db.session.scalar(select(User.id).where(User.email == "ana@example.org"))
        before = changes.current_counter()
        changes.number_late()
        changes.write_new_notes(author, None, [(note_id, data)])
        db.session.commit()
        seq = db.session.scalar(select(Observation.seq).where(Observation.id == note_id))
        assert seq == before + 1 == changes.current_counter()


def test_answers_replays_and_marks_carry_real_numbers(app, client, study_id):
    create = note_mutation(study_id, text="First")
    [first] = push(client, create)
    edit = note_mutation(study_id, op="update", entity_id=create["entity_id"], base_version=1, text="Second")
    stale = note_mutation(study_id, op="update", entity_id=create["entity_id"], base_version=1, text="Other")
    applied, conflict = push(client, edit, stale)
    assert applied["status"] == "applied" and conflict["status"] == "conflict"
    assert 0 < first["seq"] < applied["seq"] == conflict["server"]["seq"]
    assert [r["seq"] for r in push(client, create, edit)] == [first["seq"], applied["seq"]]  # replays
    with app.app_context():
        from fieldnotes.sync.models import ProcessedMutation
        marks = {str(p.mutation_id): p.counter_at for p in db.session.scalars(select(ProcessedMutation))}
        assert marks[create["mutation_id"]] == first["seq"]
        assert marks[edit["mutation_id"]] == applied["seq"] <= marks[stale["mutation_id"]]
        assert marks[stale["mutation_id"]] <= changes.current_counter()


def test_a_push_that_numbers_nothing_marks_its_mutations_with_the_counter(app, client, study_id):
    """A delete of a note never stored takes no number, yet its processed mutation is marked where the
    counter stood (numbered in the counter's statement on PostgreSQL), never with a provisional number."""
    [kept] = push(client, note_mutation(study_id, text="Kept"))
    gone = note_mutation(study_id, op="delete")
    [answer] = push(client, gone)
    assert answer["status"] == "applied" and answer["seq"] is None
    with app.app_context():
        from fieldnotes.sync.models import ProcessedMutation
        mark = db.session.scalar(select(ProcessedMutation.counter_at)
                                 .where(ProcessedMutation.mutation_id == uuid.UUID(gone["mutation_id"])))
        assert mark == kept["seq"] == changes.current_counter()
    assert push(client, gone)[0]["status"] == "duplicate"
