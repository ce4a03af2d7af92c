"""Pushing notes from a phone: exactly once, no silent overwrite, and every bad input refused."""
import uuid

import pytest
from sqlalchemy import func, select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation, Revision
from fieldnotes.studies.models import Tag
from tests.factories import add_member, make_observation, make_study, make_user, note_mutation

DEVICE = "9b2f0f6e-4a53-4c52-9d0e-1f6a4f3d2c11"


@pytest.fixture
def study_id(app, auth):
    """Ana owns a study and is signed in."""
    with app.app_context():
        study = make_study(make_user("ana@example.org", name="Ana"))
        study_id = study.id
    auth.login()
    return study_id


def push(client, *mutations, device_id=DEVICE):
    response = client.post("/api/sync/push", json={"device_id": device_id, "mutations": list(mutations)})
    assert response.status_code == 200, response.json
    return response.json["results"]


def count_notes(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Observation))


def test_a_new_note_is_stored_with_its_tags_and_who_wrote_it(app, client, study_id):
    create = note_mutation(study_id, tags=["paper workaround", "Invoices"], text="Keeps a list 📋")
    [result] = push(client, create)
    assert result["status"] == "applied" and result["version"] == 1 and result["seq"] >= 1
    assert result["mutation_id"] == create["mutation_id"] and result["entity_id"] == create["entity_id"]
    with app.app_context():
        note = db.session.get(Observation, uuid.UUID(create["entity_id"]))
        assert note.text == "Keeps a list 📋" and note.author.name == "Ana"
        assert sorted(t.name for t in note.tags) == ["Invoices", "paper workaround"]
        assert note.created_by_device == uuid.UUID(DEVICE) and not note.client_time_suspect


def test_the_same_batch_twice_stores_each_note_once(app, client, study_id):
    batch = [note_mutation(study_id, text=f"Note {i}") for i in range(3)]
    first = push(client, *batch)
    second = push(client, *batch)
    assert [r["status"] for r in first] == ["applied"] * 3
    assert [r["status"] for r in second] == ["duplicate"] * 3
    assert [(r["version"], r["seq"]) for r in second] == [(r["version"], r["seq"]) for r in first]
    assert count_notes(app) == 3


def test_a_mutation_repeated_inside_one_batch_is_applied_once(app, client, study_id):
    create = note_mutation(study_id)
    assert [r["status"] for r in push(client, create, create)] == ["applied", "duplicate"]
    assert count_notes(app) == 1


def test_the_same_note_resent_as_a_new_create_is_a_quiet_duplicate(app, client, study_id):
    create = note_mutation(study_id, tags=["Billing"])
    push(client, create)
    again = {**create, "mutation_id": str(uuid.uuid4()), "data": {**create["data"], "tags": ["billing"]}}
    assert push(client, again)[0]["status"] == "duplicate"


def test_the_same_id_with_other_content_is_a_conflict_and_both_are_kept(app, client, study_id):
    create = note_mutation(study_id, text="First tab")
    push(client, create)
    other = note_mutation(study_id, entity_id=create["entity_id"], text="Second tab")
    [result] = push(client, other)
    assert result["status"] == "conflict" and result["server"]["data"]["text"] == "First tab"
    with app.app_context():
        kept = db.session.scalars(select(Revision).where(Revision.kind == "conflict")).all()
        assert [r.data["text"] for r in kept] == ["Second tab"]
        assert db.session.get(Observation, uuid.UUID(create["entity_id"])).text == "First tab"


def test_a_replayed_conflict_answers_the_same_and_keeps_one_revision(app, client, auth, study_id):
    create = note_mutation(study_id, text="First tab")
    push(client, create)
    other = note_mutation(study_id, entity_id=create["entity_id"], text="Second tab")
    assert [r["status"] for r in push(client, other, other)] == ["conflict", "conflict"]
    with app.app_context():
        assert db.session.scalar(select(func.count()).where(Revision.kind == "conflict")) == 1
        make_user("bo@example.org")
    auth.logout()
    auth.login("bo@example.org")  # someone else replaying Ana's mutation id learns nothing
    bos_phone = str(uuid.uuid4())  # a phone's outbox belongs to one account (issue 9)
    assert push(client, other, device_id=bos_phone)[0]["errors"] == {
        "mutation_id": ["This mutation id was already used."]}


def test_an_edit_based_on_the_current_version_applies(app, client, study_id):
    create = note_mutation(study_id)
    push(client, create)
    edit = note_mutation(study_id, op="update", entity_id=create["entity_id"], base_version=1, text="Edited")
    [result] = push(client, edit)
    assert result["status"] == "applied" and result["version"] == 2
    with app.app_context():
        note = db.session.get(Observation, uuid.UUID(create["entity_id"]))
        assert note.text == "Edited" and [r.version for r in note.revisions] == [1, 2]


def test_a_stale_edit_does_not_overwrite_and_is_kept_as_a_revision(app, client, study_id):
    create = note_mutation(study_id)
    push(client, create)
    push(client, note_mutation(study_id, op="update", entity_id=create["entity_id"], base_version=1,
                               text="Laptop edit"))
    stale = note_mutation(study_id, op="update", entity_id=create["entity_id"], base_version=1,
                          text="Phone edit")
    [result] = push(client, stale)
    assert result["status"] == "conflict" and result["version"] == 2
    assert result["server"]["data"]["text"] == "Laptop edit"
    with app.app_context():
        note = db.session.get(Observation, uuid.UUID(create["entity_id"]))
        assert note.text == "Laptop edit"
        assert [(r.kind, r.data["text"]) for r in note.revisions][-1] == ("conflict", "Phone edit")


def test_delete_leaves_a_tombstone_and_a_later_edit_of_it_conflicts(app, client, study_id):
    create = note_mutation(study_id)
    first = push(client, create)[0]
    [deleted] = push(client, note_mutation(study_id, op="delete", entity_id=create["entity_id"]))
    assert deleted["status"] == "applied" and deleted["version"] == 2 and deleted["seq"] > first["seq"]
    edit = note_mutation(study_id, op="update", entity_id=create["entity_id"], base_version=2)
    assert push(client, edit)[0]["status"] == "conflict"
    again = note_mutation(study_id, op="delete", entity_id=create["entity_id"])
    assert push(client, again)[0]["status"] == "conflict"
    with app.app_context():
        assert db.session.get(Observation, uuid.UUID(create["entity_id"])).deleted_at is not None


def test_deleting_a_note_the_server_never_had_is_done_with_nothing_written(app, client, study_id):
    [result] = push(client, note_mutation(study_id, op="delete"))
    assert (result["status"], result["version"], result["seq"]) == ("applied", None, None)
    assert count_notes(app) == 0


def test_one_bad_item_is_rejected_and_the_rest_of_the_batch_applies(app, client, study_id):
    good, bad = note_mutation(study_id), note_mutation(study_id, text="nul \x00 here")
    results = push(client, good, bad, note_mutation(study_id))
    assert [r["status"] for r in results] == ["applied", "rejected", "applied"]
    assert results[1]["errors"]["text"] and results[1]["mutation_id"] == bad["mutation_id"]
    assert count_notes(app) == 2


@pytest.mark.parametrize("change, field", [
    ({"study_id": "1"}, "study_id"),
    ({"text": 5}, "text"),
    ({"kind": "rant"}, "kind"),
    ({"touchpoint_id": True}, "touchpoint_id"),
    ({"tags": "billing"}, "tags"),
    ({"author_id": 99}, "author_id"),
    ({"created_by_device": DEVICE}, "created_by_device"),
    ({"text": "right-to-left \u202e override"}, "text"),
    ({"text": "x" * 10_001}, "text"),
    ({"captured_at": "2026-03-12T10:15:00"}, "captured_at"),
    ({"captured_at": "yesterday"}, "captured_at"),
    ({"media": [{"id": "1", "slot": "photo", "sha256": "ab", "size": 1, "mime": "image/jpeg"}]}, "media.0.id"),
    ({"media": [{"id": str(uuid.uuid4()), "slot": "photo", "sha256": "a" * 64, "size": 26 * 2**20,
                 "mime": "image/jpeg"}]}, "media.0.size"),
    ({"media": [{"id": str(uuid.uuid4()), "slot": "photo", "sha256": "a" * 64, "size": 9,
                 "mime": "image/svg+xml"}]}, "media.0.mime"),
])
def test_invalid_data_is_rejected_with_a_message_for_the_field(app, client, study_id, change, field):
    mutation = note_mutation(study_id)
    mutation["data"].update(change)
    [result] = push(client, mutation)
    assert result["status"] == "rejected" and result["errors"][field], result
    assert count_notes(app) == 0


@pytest.mark.parametrize("change, field", [
    ({"op": "upsert"}, "op"), ({"entity_id": "../../etc/passwd"}, "entity_id"),
    ({"mutation_id": None}, "mutation_id"), ({"entity": "study"}, "entity"),
    ({"op": "update", "base_version": None}, "base_version"), ({"client_time": "noon"}, "client_time"),
    ({"user_id": 1}, "user_id"),
])
def test_an_invalid_mutation_is_rejected(app, client, study_id, change, field):
    [result] = push(client, {**note_mutation(study_id), **change})
    assert result["status"] == "rejected" and field in result["errors"]


def test_ids_from_another_study_are_never_written(app, client, study_id):
    with app.app_context():
        other = make_study(make_user("bo@example.org"), name="Another team's study")
        foreign_note = make_observation(other, other.memberships[0].user, text="Not Ana's")
        foreign = {"touchpoint_id": other.touchpoints[0].id, "note": str(foreign_note.id), "study": other.id}
    [touchpoint] = push(client, note_mutation(study_id, touchpoint_id=foreign["touchpoint_id"]))
    assert touchpoint["errors"] == {"touchpoint_id": ["Not found in this study."]}
    [into_other] = push(client, note_mutation(foreign["study"]))
    assert into_other["status"] == "rejected" and "study_id" in into_other["errors"]
    for op in ("create", "update", "delete"):
        mutation = note_mutation(study_id, op=op, entity_id=foreign["note"], base_version=1, text="Overwrite")
        [result] = push(client, mutation)
        assert result["status"] == "rejected" and "server" not in result, result
    with app.app_context():
        note = db.session.get(Observation, uuid.UUID(foreign["note"]))
        assert note.text == "Not Ana's" and note.version == 1 and len(note.revisions) == 1
        assert count_notes(app) == 1


def test_roles_decide_who_captures_and_who_edits_which_notes(app, client, auth, study_id):
    with app.app_context():
        owner = make_user("owner@example.org")
        study = make_study(owner, name="Shared")
        add_member(study, make_user("dee@example.org"), "designer")
        add_member(study, db.session.scalar(select(type(owner)).filter_by(email="ana@example.org")),
                   "researcher")
        owners_note = str(make_observation(study, owner).id)
        shared = study.id
    assert push(client, note_mutation(shared))[0]["status"] == "applied"
    edit = note_mutation(shared, op="update", entity_id=owners_note, base_version=1, text="Mine now")
    assert push(client, edit)[0]["errors"] == {"entity_id": ["You may not change this note."]}
    auth.logout()
    auth.login("dee@example.org")
    dees_phone = str(uuid.uuid4())  # a phone's outbox belongs to one account (issue 9)
    designer_captures = note_mutation(shared)
    assert push(client, designer_captures, device_id=dees_phone)[0]["status"] == "rejected"  # designers don't capture
    assert push(client, edit, device_id=dees_phone)[0]["status"] == "applied"  # but they may edit any note


def test_tags_pushed_by_name_are_made_once_in_the_study(app, client, study_id):
    push(client, note_mutation(study_id, tags=["Billing", "billing", "Month end"]))
    push(client, note_mutation(study_id, tags=["BILLING"]))
    with app.app_context():
        assert sorted(db.session.scalars(select(Tag.name).where(Tag.study_id == study_id))) == [
            "Billing", "Month end"]


def test_a_wrong_phone_clock_keeps_the_note_and_flags_it(app, client, study_id):
    future, past = note_mutation(study_id, captured_at="2099-01-01T09:00:00+09:00"), note_mutation(
        study_id, captured_at="1980-01-01T00:00:00+00:00")
    assert [r["status"] for r in push(client, future, past)] == ["applied", "applied"]
    with app.app_context():
        assert all(n.client_time_suspect for n in db.session.scalars(select(Observation)))


@pytest.mark.parametrize("kwargs, status, words", [
    ({"data": "not json", "content_type": "text/plain"}, 415, "JSON"),
    ({"data": "{\"device_id\": ", "content_type": "application/json"}, 400, "not valid JSON"),
    ({"data": b"\xff\xfe{}", "content_type": "application/json"}, 400, "not valid JSON"),
    ({"json": [1, 2]}, 400, "object"),
    ({"json": {"device_id": DEVICE, "mutations": []}}, 422, "not valid"),
    ({"json": {"mutations": [{}]}}, 422, "not valid"),
    ({"json": {"device_id": DEVICE, "mutations": [{}] * 201}}, 413, "At most 200 mutations"),
])
def test_a_batch_that_cannot_be_read_gets_a_json_error(app, client, study_id, kwargs, status, words):
    response = client.post("/api/sync/push", **kwargs)
    assert response.status_code == status and words in response.json["description"]
    assert set(response.json) >= {"code", "message", "description"}


def test_a_body_over_the_size_limit_is_413(app, client, study_id):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": [
        note_mutation(study_id, text="x" * 2000)]})
    assert response.status_code == 413 and response.json["code"] == 413


def test_not_signed_in_is_401_json_and_nothing_is_stored(app, client):
    with app.app_context():
        study = make_study(make_user("ana@example.org"))
        mutation = note_mutation(study)
    response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": [mutation]})
    assert response.status_code == 401 and response.json["code"] == 401
    assert count_notes(app) == 0
