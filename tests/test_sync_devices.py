"""Shared phones (issue 9): a phone's outbox belongs to one account, and the server holds it to that."""
import re
import uuid

import pytest
from flask import g
from sqlalchemy import func, select

from fieldnotes.auth.models import utcnow
from fieldnotes.extensions import db
from fieldnotes.sync import devices
from fieldnotes.sync.devices import DeviceRead
from fieldnotes.observations.models import Observation
from fieldnotes.sync.models import Device, ProcessedMutation
from tests.factories import add_member, make_study, make_user, note_mutation
from tests.statements import statements_during

DEVICE_TABLE = re.compile(r'\b(FROM|INTO|UPDATE)\s+"?device"?(\s|$)', re.IGNORECASE)
DEVICE_JOIN = re.compile(r'\bJOIN\s+"?device"?\s+ON\b', re.IGNORECASE)
ANAS_PHONE = "3f1c6a8e-2b7d-4e51-9a0c-6d2e8b4f1a73"


@pytest.fixture
def study_id(app, auth):
    """Ana and Bo research the same study; Ana is signed in."""
    with app.app_context():
        ana, bo = make_user("ana@example.org", name="Ana"), make_user("bo@example.org", name="Bo")
        study = make_study(ana)
        add_member(study, bo, "researcher")
        study_id = study.id
    auth.login("ana@example.org")
    return study_id


def push(client, *mutations, device_id=ANAS_PHONE, **extra):
    return client.post("/api/sync/push", json={"device_id": device_id, "mutations": list(mutations), **extra})


def user_id(app, email):
    with app.app_context():
        return db.session.scalar(select(db.metadata.tables["user"].c.id).where(
            db.metadata.tables["user"].c.email == email))


def stored(app):
    """(notes, processed mutations) the server holds."""
    with app.app_context():
        return (db.session.scalar(select(func.count()).select_from(Observation)),
                db.session.scalar(select(func.count()).select_from(ProcessedMutation)))


def device(app, device_id=ANAS_PHONE):
    with app.app_context():
        row = db.session.get(Device, uuid.UUID(device_id))
        return None if row is None else (row.user_id, row.first_seen_at, row.last_seen_at)


def test_a_device_never_seen_belongs_to_the_account_that_first_pushes_from_it(app, client, study_id):
    assert device(app) is None
    response = push(client, note_mutation(study_id))
    assert [r["status"] for r in response.json["results"]] == ["applied"]
    owner, first_seen, last_seen = device(app)
    assert owner == user_id(app, "ana@example.org") and first_seen == last_seen


def test_another_account_pushing_from_that_device_is_refused_item_by_item_and_nothing_is_written(
        app, client, auth, study_id):
    push(client, note_mutation(study_id, text="Ana's first note"))
    auth.logout()
    auth.login("bo@example.org")
    anas_later_notes = [note_mutation(study_id, text="Ana's note, sent while Bo is signed in"),
                        note_mutation(study_id, text="Another of Ana's")]

    response = push(client, *anas_later_notes)

    assert response.status_code == 200
    results = response.json["results"]
    assert [r["status"] for r in results] == ["rejected", "rejected"]
    assert [r["mutation_id"] for r in results] == [m["mutation_id"] for m in anas_later_notes]
    assert "belongs to another account" in results[0]["errors"]["device_id"][0]
    assert stored(app) == (1, 1)  # only Ana's first note
    assert device(app)[0] == user_id(app, "ana@example.org")  # still Ana's phone


def test_each_account_on_a_shared_phone_pushes_from_its_own_device_id(app, client, auth, study_id):
    push(client, note_mutation(study_id))
    auth.logout()
    auth.login("bo@example.org")
    bos_device = str(uuid.uuid4())
    response = push(client, note_mutation(study_id, text="Bo's note"), device_id=bos_device)
    assert [r["status"] for r in response.json["results"]] == ["applied"]
    assert device(app, bos_device)[0] == user_id(app, "bo@example.org")


def test_a_batch_the_phone_says_another_account_made_is_refused_whole(app, client, auth, study_id):
    """A page or worker still holding Ana's outbox, with Bo's session: nothing is sent as Bo's."""
    ana = user_id(app, "ana@example.org")
    auth.logout()
    auth.login("bo@example.org")
    response = push(client, note_mutation(study_id), device_id=str(uuid.uuid4()), account=ana)
    assert response.status_code == 409
    assert response.json["reason"] == "other_account"
    assert "another account" in response.json["description"]
    assert stored(app) == (0, 0)
    assert push(client, note_mutation(study_id), device_id=str(uuid.uuid4()),
                account=user_id(app, "bo@example.org")).json["results"][0]["status"] == "applied"


@pytest.mark.parametrize("account", ["7", True, 0, 2**40, [1]])
def test_a_claimed_account_that_is_not_an_account_id_is_a_clear_422(app, client, study_id, account):
    response = push(client, note_mutation(study_id), account=account)
    assert response.status_code == 422 and "account" in response.json["errors"]
    assert stored(app) == (0, 0)


def device_reads(app, send):
    """The statements that name the device table while `send()` runs (a join included)."""
    return statements_during(app, send, lambda statement: DEVICE_TABLE.search(statement) or DEVICE_JOIN.search(statement))


def test_a_known_device_is_read_with_the_sign_in(app, client, study_id):
    push(client, note_mutation(study_id))  # binds the device

    statements = device_reads(app, lambda: push(client, note_mutation(study_id), note_mutation(study_id)))

    assert len(statements) == 1
    assert statements[0].startswith("SELECT login_session.user_id") and DEVICE_JOIN.search(statements[0])


def test_a_device_never_seen_is_bound_after_the_sign_in_found_none(app, client, study_id):
    statements = device_reads(app, lambda: push(client, note_mutation(study_id)))

    assert DEVICE_JOIN.search(statements[0])
    assert [s.split()[0] for s in statements[1:]] == ["INSERT", "SELECT"]  # bind: insert-or-nothing, read
    assert device(app)[0] == user_id(app, "ana@example.org")


def posted(app, client, **request):
    """(the statements naming the device table, the response) of one POST to the push endpoint."""
    responses = []
    statements = device_reads(app, lambda: responses.append(client.post("/api/sync/push", **request)))
    return statements, responses[0]


@pytest.mark.parametrize("body", [{"device_id": "not a device id"}, {"device_id": 7}, {"mutations": []}, [1]])
def test_a_body_naming_no_device_signs_in_alone_and_answers_as_before(app, client, study_id, body):
    statements, response = posted(app, client, json=body)
    assert statements == [] and response.status_code in (400, 422)


def test_a_body_that_is_not_json_signs_in_alone(app, client, study_id):
    statements, response = posted(app, client, data=b'{"device_id": "' + ANAS_PHONE.encode(),
                                  content_type="application/json")
    assert statements == [] and response.status_code == 400


def test_what_the_sign_in_read_is_used_only_for_the_same_device_and_account(app, study_id):
    """A read kept for another device (or account) is not taken for this one's: owner_of reads it."""
    ana = user_id(app, "ana@example.org")
    with app.test_request_context():
        devices.bind(uuid.UUID(ANAS_PHONE), ana)
        for other in (DeviceRead(uuid.uuid4(), ana, None, None), DeviceRead(uuid.UUID(ANAS_PHONE), ana + 1, 99, None)):
            g.push_device = other
            assert devices.owner_of(uuid.UUID(ANAS_PHONE), ana) == ana
            assert "push_device" not in g  # used once, whichever it was
        g.push_device = DeviceRead(uuid.UUID(ANAS_PHONE), ana, ana + 1, utcnow())
        assert devices.owner_of(uuid.UUID(ANAS_PHONE), ana) == ana + 1  # the kept read: another's phone


def test_last_seen_moves_on_when_the_device_comes_back_later(app, client, study_id):
    push(client, note_mutation(study_id))
    with app.app_context():
        row = db.session.get(Device, uuid.UUID(ANAS_PHONE))
        row.first_seen_at = row.last_seen_at = row.last_seen_at.replace(year=2025)
        db.session.commit()
    push(client, note_mutation(study_id))
    _, first_seen, last_seen = device(app)
    assert first_seen.year == 2025 and last_seen.year > 2025


def test_a_push_body_is_parsed_once(app, client, study_id, monkeypatch):
    """The sign-in's read of the device and the view take the same parse: a batch of 200 is not read twice."""
    push(client, note_mutation(study_id))
    parses = []
    loads = app.json.loads
    monkeypatch.setattr(app.json, "loads", lambda data, **kw: parses.append(len(data)) or loads(data, **kw))
    answer = push(client, note_mutation(study_id), note_mutation(study_id))
    assert len(parses) == 1
    assert [result["status"] for result in answer.get_json()["results"]] == ["applied", "applied"]


def test_requests_made_inside_one_app_context_each_read_their_own_body(app, client, study_id):
    """A CLI command (a backup) or a test can send requests inside its own app context, whose g they share:
    each must still read its own body, not the first one's."""
    with app.app_context():
        first = push(client, note_mutation(study_id, text="First"))
        second = push(client, note_mutation(study_id, text="Second"))
    assert [first.get_json()["results"][0]["status"], second.get_json()["results"][0]["status"]] == [
        "applied", "applied"]
