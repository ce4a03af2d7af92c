"""Pulling the change stream: in order, tombstones included, pages that never skip or repeat."""
import uuid

import pytest

from fieldnotes.extensions import db
from fieldnotes.studies.models import Study
from tests.factories import (add_member, make_participant, make_study, make_user, make_visit,
                             note_mutation)

DEVICE = "5d0c1a52-8c1e-4a57-a2f4-2b9a0d6c7e31"


def push(client, *mutations):
    response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": list(mutations)})
    assert response.status_code == 200, response.json
    return response.json["results"]


def pull(client, study_id, cursor="", limit=None):
    query = {"study_id": study_id, "cursor": cursor} | ({"limit": limit} if limit else {})
    response = client.get("/api/sync/pull", query_string=query)
    assert response.status_code == 200, response.json
    return response.json


def pull_all(client, study_id, cursor="", limit=2):
    changes = []
    while True:
        page = pull(client, study_id, cursor, limit)
        changes += page["changes"]
        cursor = page["cursor"]
        if not page["has_more"]:
            return changes, cursor


def test_a_pull_carries_notes_as_pushed_with_author_and_media_status(app, client, study_id):
    media = {"id": "3f1e2d3c-4b5a-4968-8776-655443322110", "slot": "photo", "sha256": "ab" * 32,
             "size": 1234, "mime": "image/jpeg"}
    create = note_mutation(study_id, tags=["Billing"], media=[media], kind="breakdown",
                           expected="One click to approve")
    push(client, create)
    page = pull(client, study_id)
    [change] = page["changes"]
    assert change["id"] == create["entity_id"] and change["version"] == 1 and not change["deleted"]
    data = change["data"]
    assert data["author"] == "Ana" and data["kind"] == "breakdown" and data["tags"] == ["Billing"]
    assert data["expected"] == "One click to approve" and data["synced_at"]
    assert data["captured_at"] == "2026-03-12T10:15:00+00:00"
    assert data["media"] == [{**media, "status": "pending"}]
    assert page["reset"] is False and page["has_more"] is False
    assert page["cursor"] == f"{page['cursor'].split(':')[0]}:{change['seq']}"


def test_paging_never_skips_or_repeats_and_edits_and_deletes_travel(app, client, study_id):
    creates = [note_mutation(study_id, text=f"Note {i}") for i in range(5)]
    push(client, *creates)
    changes, cursor = pull_all(client, study_id)
    assert sorted(c["id"] for c in changes) == sorted(m["entity_id"] for m in creates)
    seqs = [c["seq"] for c in changes]
    assert seqs == sorted(set(seqs))
    push(client, note_mutation(study_id, op="update", entity_id=creates[0]["entity_id"], base_version=1,
                               text="Edited"),
         note_mutation(study_id, op="delete", entity_id=creates[1]["entity_id"]))
    later, cursor = pull_all(client, study_id, cursor)
    by_id = {c["id"]: c for c in later}
    assert set(by_id) == {creates[0]["entity_id"], creates[1]["entity_id"]}
    assert by_id[creates[0]["entity_id"]]["data"]["text"] == "Edited"
    assert by_id[creates[1]["entity_id"]]["deleted"] is True and by_id[creates[1]["entity_id"]]["version"] == 2
    assert pull(client, study_id, cursor) == {"changes": [], "cursor": cursor, "has_more": False, "reset": False}


def test_a_pull_shows_only_its_own_studys_notes(app, client, study_id):
    with app.app_context():
        other = make_study(make_user("bo@example.org"), name="Other")
        add_member(other, db.session.get(Study, study_id).memberships[0].user, "researcher")
        other_id = other.id
    push(client, note_mutation(study_id), note_mutation(other_id))
    assert len(pull(client, study_id)["changes"]) == 1
    assert [c["data"]["study_id"] for c in pull(client, other_id)["changes"]] == [other_id]


def test_a_cursor_from_another_epoch_resets_the_phone(app, client, study_id):
    push(client, note_mutation(study_id))
    page = pull(client, study_id, "0123456789abcdef:40")
    assert page["reset"] is True and page["changes"] == []
    assert page["cursor"].endswith(":0")


def test_after_a_restore_old_cursors_reset_and_the_phone_repushes_what_was_lost(app, client, study_id):
    kept, lost = note_mutation(study_id, text="Before the backup"), note_mutation(study_id, text="After")
    first = push(client, kept)[0]
    push(client, lost)
    cursor = pull(client, study_id)["cursor"]
    restored = client.post("/api/_test/restore", json={"keep_up_to_seq": first["seq"]})
    assert restored.status_code == 200 and restored.json["deleted"] == 1
    assert pull(client, study_id, cursor)["reset"] is True
    changes, _ = pull_all(client, study_id)
    assert [c["data"]["text"] for c in changes] == ["Before the backup"]
    # The phone re-pushes everything it holds: the lost note comes back, the kept one is a duplicate.
    results = {r["entity_id"]: r["status"] for r in push(client, kept, lost)}
    assert results == {kept["entity_id"]: "duplicate", lost["entity_id"]: "applied"}
    assert len(pull_all(client, study_id)[0]) == 2


@pytest.mark.parametrize("query, status", [
    ({"study_id": ""}, 400), ({"study_id": "abc"}, 400), ({"study_id": 99999999999}, 400),
    ({"cursor": "garbage"}, 400), ({"cursor": "abc:-1"}, 400), ({"limit": 0}, 400), ({"limit": 501}, 400),
])
def test_bad_pull_requests_get_a_json_4xx(app, client, study_id, query, status):
    response = client.get("/api/sync/pull", query_string={"study_id": study_id, **query})
    assert response.status_code == status and response.json["code"] == status


def test_who_may_pull(app, client, auth, study_id):
    with app.app_context():
        study = db.session.get(Study, study_id)
        add_member(study, make_user("vic@example.org"), "viewer")
        make_user("nob@example.org")
    auth.logout()
    assert client.get("/api/sync/pull", query_string={"study_id": study_id}).status_code == 401
    auth.login("vic@example.org")
    assert client.get("/api/sync/pull", query_string={"study_id": study_id}).status_code == 403
    auth.logout()
    auth.login("nob@example.org")
    assert client.get("/api/sync/pull", query_string={"study_id": study_id}).status_code == 404


def test_the_context_gives_a_phone_what_it_needs_and_no_real_names(app, client, study_id):
    with app.app_context():
        study = db.session.get(Study, study_id)
        person = make_participant(study, pseudonym="P-Finance", real_name="Margarethe Quillfeather",
                                  role_id=study.roles[0].id)
        make_visit(study, participants=[person])
    push(client, note_mutation(study_id, tags=["Billing"]))
    response = client.get(f"/api/studies/{study_id}/context")
    assert response.status_code == 200 and "Quillfeather" not in response.text
    context = response.json
    assert context["study"]["name"] == "Onboarding at mid-size accounts" and context["epoch"]
    assert context["me"] == {"id": context["me"]["id"], "name": "Ana", "role": "owner"}
    assert context["touchpoints"][0] == {"id": context["touchpoints"][0]["id"], "name": "Research",
                                         "position": 0, "retired": False}
    assert "breakdown" in context["kinds"] and [t["name"] for t in context["tags"]] == ["Billing"]
    [visit] = context["visits"]
    [participant] = context["participants"]
    assert visit["participant_ids"] == [participant["id"]] and visit["visited_on"] == "2026-03-12"
    assert set(participant) == {"id", "pseudonym", "role_id", "organisation",  # and consent, never a real name
                                "consent_given", "consent_notes", "consent_quotes", "consent_photos",
                                "consent_audio"}  # consent_notes: the role guide says all that was agreed
    assert context["epoch"] == pull(client, study_id)["cursor"].split(":")[0]


def test_the_context_is_for_members_who_capture_or_read_notes(app, client, auth, study_id):
    with app.app_context():
        add_member(db.session.get(Study, study_id), make_user("vic@example.org"), "viewer")
    auth.logout()
    auth.login("vic@example.org")
    assert client.get(f"/api/studies/{study_id}/context").status_code == 403
    assert client.get("/api/studies/4242/context").status_code == 404


def test_test_hooks_do_not_exist_outside_tests(database_url, tmp_path):
    from fieldnotes import create_app
    app = create_app({"TESTING": False, "SECRET_KEY": "x" * 40, "SQLALCHEMY_DATABASE_URI": database_url,
                      "INSTANCE_PATH": str(tmp_path)})
    assert not [r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/_test")]
    assert app.test_client().post("/api/_test/restore", json={"keep_up_to_seq": 0}).status_code == 404


def test_a_note_shows_its_history_including_the_version_that_lost(app, client, study_id):
    create = note_mutation(study_id, text="Phone A")
    push(client, create)
    push(client, note_mutation(study_id, entity_id=create["entity_id"], text="Phone B"))
    note = client.get(f"/api/studies/{study_id}/observations/{create['entity_id']}")
    assert note.status_code == 200 and note.json["data"]["text"] == "Phone A"
    assert [(r["kind"], r["data"]["text"], r["author"]) for r in note.json["revisions"]] == [
        ("edit", "Phone A", "Ana"), ("conflict", "Phone B", "Ana")]
    with app.app_context():
        other_id = make_study(make_user("bo@example.org"), name="Other").id
    assert client.get(f"/api/studies/{other_id}/observations/{create['entity_id']}").status_code == 404
    assert client.get(f"/api/studies/{study_id}/observations/{uuid.uuid4()}").status_code == 404
    assert client.get(f"/api/studies/{study_id}/observations/..%2f..%2fetc").status_code == 404
