"""A note's page: what it shows, its history with conflicts, and edits that phones cannot overwrite."""
import hashlib
import uuid

import pytest

from fieldnotes.extensions import db
from fieldnotes.observations.models import Attachment, MediaStatus, Observation, Revision, RevisionKind
from fieldnotes.observations.storage import stored_path
from fieldnotes.studies.models import Role, Study, Touchpoint
from tests.factories import (add_member, make_observation, make_participant, make_study, make_user,
                             make_visit, note_mutation)

DEVICE = "9b2f0f6e-4a53-4c52-9d0e-1f6a4f3d2c11"
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082")


def term(model, study_id, name):
    return db.session.query(model).filter_by(study_id=study_id, name=name).one().id


@pytest.fixture
def note(app):
    """Rita (researcher) captured a breakdown at Halloran with a photo and a recording; Dee designs."""
    with app.app_context():
        owner, rita, dee = (make_user("owner@example.org", "Olu"), make_user("rita@example.org", "Rita"),
                            make_user("dee@example.org", "Dee"))
        study = make_study(owner, researcher=[rita], designer=[dee])
        visit = make_visit(study, organisation="Halloran Regional Logistics")
        person = make_participant(study, [visit], pseudonym="P2 AP clerk")
        note = make_observation(
            study, rita, kind="breakdown", text="“I type every invoice twice, once here and once in the fuel sheet.”",
            expected="One entry that both finance and transport trust", tags=["re-keying"],
            touchpoint_id=term(Touchpoint, study.id, "Use"), role_id=term(Role, study.id, "End user"),
            participant_id=person.id, visit_id=visit.id, captured_at="2099-01-01T09:00:00+00:00")
        stored_path(hashlib.sha256(PNG).hexdigest()).parent.mkdir(parents=True, exist_ok=True)
        stored_path(hashlib.sha256(PNG).hexdigest()).write_bytes(PNG)
        note.media = [Attachment(id=uuid.uuid4(), slot="photo", sha256=hashlib.sha256(PNG).hexdigest(),
                                 size=len(PNG), mime="image/png", offset=len(PNG), status=MediaStatus.VERIFIED),
                      Attachment(id=uuid.uuid4(), slot="audio", sha256="ab" * 32, size=10, mime="audio/mp4",
                                 offset=10, status=MediaStatus.VERIFIED)]
        db.session.commit()
        return {"study": study.id, "id": str(note.id), "photo": str(note.media[0].id),
                "audio": str(note.media[1].id), "support": term(Touchpoint, study.id, "Support"),
                "cio": term(Role, study.id, "CIO"), "visit": visit.id, "person": person.id,
                "use": term(Touchpoint, study.id, "Use"), "end_user": term(Role, study.id, "End user")}


def sign_in(client, email):
    assert client.post("/login", data={"email": email, "password": "quiet harbour lantern 42"}).status_code == 303


def read(client, path):
    """The page's text with runs of whitespace as one space, as a reader sees it."""
    return " ".join(client.get(path).get_data(as_text=True).split())


def url(note, suffix=""):
    return f"/studies/{note['study']}/notes/{note['id']}{suffix}"


def whole(note, **changes):
    """The edit form as the page sends it: the note's whole state (the fixture's), with some changes."""
    form = {"kind": "breakdown", "text": "“I type every invoice twice, once here and once in the fuel sheet.”",
            "expected": "One entry that both finance and transport trust", "touchpoint_id": note["use"],
            "role_id": note["end_user"], "participant_id": note["person"], "visit_id": note["visit"],
            "tags": ["re-keying"], "tags_shown": "1", "base_version": "1"}
    return {**form, **changes}


def test_the_page_shows_everything_about_the_note(app, client, note):
    sign_in(client, "dee@example.org")
    assert client.get(url(note)).status_code == 200
    page = read(client, url(note))
    assert "I type every invoice twice" in page and "What they expected:</strong> One entry" in page
    for fact in ("Breakdown", "Use", "End user", "P2 AP clerk", "Halloran Regional Logistics", "Rita",
                 "re-keying", "2099-01-01 09:00 UTC", "phone clock looked wrong", "Synced"):
        assert fact in page, fact
    assert f'<a href="/media/{note["photo"]}"><img src="/media/{note["photo"]}"' in page
    assert f'<audio controls preload="none" src="/media/{note["audio"]}"' in page
    with client.get(f"/media/{note['photo']}") as image:  # the zoom link opens the full image
        assert image.data == PNG
    assert "Version 1: captured by Rita from a phone" in page


def test_history_names_who_changed_what_including_conflicts(app, client, note):
    with app.app_context():
        study = db.session.get(Study, note["study"])
        rita = db.session.query(type(study.memberships[0].user)).filter_by(email="rita@example.org").one()
        data = note_mutation(study, op="update", entity_id=note["id"], base_version=1, kind="workaround",
                             text="Types every invoice twice.", participant_id=note["person"])
        from fieldnotes.sync.push import push_batch
        [first] = push_batch(rita, uuid.UUID(DEVICE), [data])
        stale = note_mutation(study, op="update", entity_id=note["id"], base_version=1, kind="delight")
        [second] = push_batch(rita, uuid.UUID(DEVICE), [stale])
        assert (first["status"], second["status"]) == ("applied", "conflict")
    sign_in(client, "dee@example.org")
    page = read(client, url(note))
    assert "Version 2: Rita changed it from a phone" in page
    assert "Kind: breakdown → workaround" in page and "Tags: re-keying → none" in page
    assert "<strong>Conflict:</strong> Rita’s change from a phone, based on version 1, arrived" in page
    assert "Kind: breakdown → delight" in page  # the conflict against what it was based on


def test_a_designer_edits_kind_touchpoint_and_role_as_a_new_version(app, client, note):
    sign_in(client, "dee@example.org")
    response = client.post(url(note, "/edit"), data=whole(note, kind="workaround", touchpoint_id=note["support"],
                                                                 role_id=note["cio"]))
    assert response.status_code == 303 and response.location.endswith(url(note))
    with app.app_context():
        saved = db.session.get(Observation, uuid.UUID(note["id"]))
        first_seq = db.session.query(Revision).count()
        assert (saved.kind, saved.touchpoint_id, saved.role_id, saved.version) == (
            "workaround", note["support"], note["cio"], 2)
        assert saved.revisions[-1].author.name == "Dee" and saved.revisions[-1].kind == RevisionKind.EDIT
        assert saved.revisions[-1].data["kind"] == "workaround" and first_seq == 2
    page = read(client, url(note))
    assert "Version 2: Dee changed it on the web" in page
    assert "Kind: breakdown → workaround" in page and "Touchpoint: Use → Support" in page
    assert "Role: End user → CIO" in page and "Note updated." in page


def test_a_stale_edit_changes_nothing_and_says_so(app, client, note):
    sign_in(client, "dee@example.org")
    fresh = whole(note, kind="idea", touchpoint_id="")
    assert client.post(url(note, "/edit"), data=fresh).status_code == 303
    response = client.post(url(note, "/edit"), data=whole(note, kind="delight", touchpoint_id=note["support"]))
    assert response.status_code == 409
    assert "Someone changed this note while you were looking at it" in response.get_data(as_text=True)
    with app.app_context():
        saved = db.session.get(Observation, uuid.UUID(note["id"]))
        # The fresh edit left touchpoint blank (Unassigned); the stale one's Support was not applied.
        assert (saved.kind, saved.version, saved.touchpoint_id) == ("idea", 2, None)


def test_a_phone_cannot_overwrite_a_web_edit_silently(app, client, note):
    """The phone still holds version 1; its update after the web edit becomes a conflict."""
    sign_in(client, "dee@example.org")
    assert client.post(url(note, "/edit"), data=whole(note, kind="workaround")).status_code == 303
    with app.app_context():
        web_seq = db.session.get(Observation, uuid.UUID(note["id"])).seq
    client.post("/logout")
    sign_in(client, "rita@example.org")
    phone = note_mutation(note["study"], op="update", entity_id=note["id"], base_version=1, kind="quote",
                          text="Phone edit made offline")
    response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": [phone]})
    [result] = response.json["results"]
    assert result["status"] == "conflict" and result["server"]["data"]["kind"] == "workaround"
    pulled = client.get(f"/api/sync/pull?study_id={note['study']}&cursor=").json["changes"]
    assert [(c["version"], c["seq"], c["data"]["kind"]) for c in pulled] == [(2, web_seq, "workaround")]
    with app.app_context():
        saved = db.session.get(Observation, uuid.UUID(note["id"]))
        assert (saved.kind, saved.version) == ("workaround", 2) and "I type" in saved.text
        assert saved.revisions[-1].kind == RevisionKind.CONFLICT


def test_edits_are_checked(app, client, note):
    with app.app_context():
        elsewhere = make_study(make_user("x@example.org"), name="Elsewhere")
        foreign_touchpoint = elsewhere.touchpoints[0].id
    sign_in(client, "dee@example.org")
    response = client.post(url(note, "/edit"), data=whole(note, kind="observation",
                                                           touchpoint_id=foreign_touchpoint))
    assert response.status_code == 422 and "Not found in this study." in response.get_data(as_text=True)
    response = client.post(url(note, "/edit"), data=whole(note, kind="gossip"))
    assert response.status_code == 422
    with app.app_context():
        assert db.session.get(Observation, uuid.UUID(note["id"])).version == 1


def test_who_may_see_and_edit(app, client, note):
    with app.app_context():
        study = db.session.get(Study, note["study"])
        add_member(study, make_user("vic@example.org"), "viewer")
        add_member(study, make_user("rob@example.org"), "researcher")
        other = make_study(make_user("o2@example.org"), name="Other", designer=[make_user("odd@example.org")])
        other_id = other.id
    for email, page_status, edit_status in [("vic@example.org", 403, 403), ("rob@example.org", 200, 403),
                                            ("odd@example.org", 404, 404), ("rita@example.org", 200, 303)]:
        sign_in(client, email)
        assert client.get(url(note)).status_code == page_status, email
        edit = client.post(url(note, "/edit"), data=whole(note, kind="idea"))
        assert edit.status_code == edit_status, email
        client.post("/logout")
    sign_in(client, "odd@example.org")  # the note's id under the designer's own study: still not found
    assert client.get(f"/studies/{other_id}/notes/{note['id']}").status_code == 404


def test_a_deleted_note_is_not_found(app, client, note):
    with app.app_context():
        saved = db.session.get(Observation, uuid.UUID(note["id"]))
        saved.deleted_at = saved.updated_at
        db.session.commit()
    sign_in(client, "owner@example.org")
    assert client.get(url(note)).status_code == 404
    assert client.post(url(note, "/edit"), data={"kind": "idea", "base_version": "2"}).status_code == 404


def test_a_designer_corrects_text_tags_participant_and_visit_and_the_phone_pulls_it(app, client, note):
    with app.app_context():
        study = db.session.get(Study, note["study"])
        other_visit = make_visit(study, organisation="Brightwater Freight")
        other_person = make_participant(study, [other_visit], pseudonym="P10 dispatcher")
        ids = {"visit": other_visit.id, "person": other_person.id}
    sign_in(client, "rita@example.org")
    cursor = client.get(f"/api/sync/pull?study_id={note['study']}&cursor=").json["cursor"]
    client.post("/logout")
    sign_in(client, "dee@example.org")
    response = client.post(url(note, "/edit"), data=whole(
        note, text="I type every invoice twice: here and in the fuel sheet.", participant_id=ids["person"],
        visit_id=ids["visit"], tags=[], add_tags="WALK-R1, Month end"))
    assert response.status_code == 303
    page = read(client, url(note))
    assert "Version 2: Dee changed it on the web" in page
    assert "Text: “I type every invoice twice, once here and once in the fuel sheet.” → I type every invoice twice: " \
           "here and in the fuel sheet." in page
    assert "Participant: P2 AP clerk → P10 dispatcher" in page
    assert "Visit: Halloran Regional Logistics" in page and "→ Brightwater Freight" in page
    assert "Tags: re-keying → Month end, WALK-R1" in page
    client.post("/logout")
    sign_in(client, "rita@example.org")  # her phone, which holds version 1, pulls the correction
    [change] = client.get(f"/api/sync/pull?study_id={note['study']}&cursor={cursor}").json["changes"]
    assert change["version"] == 2
    assert change["data"]["text"] == "I type every invoice twice: here and in the fuel sheet."
    assert (change["data"]["participant_id"], change["data"]["visit_id"]) == (ids["person"], ids["visit"])
    assert sorted(change["data"]["tags"]) == ["Month end", "WALK-R1"]
    with app.app_context():
        assert db.session.query(Revision).filter_by(observation_id=uuid.UUID(note["id"])).count() == 2


def test_a_tag_typed_in_other_letters_is_the_study_tag_and_a_save_without_change_makes_no_version(app, client, note):
    sign_in(client, "dee@example.org")
    assert client.post(url(note, "/edit"), data=whole(note, add_tags="RE-KEYING, re-keying")).status_code == 303
    assert client.post(url(note, "/edit"), data=whole(note)).status_code == 303
    with app.app_context():
        saved = db.session.get(Observation, uuid.UUID(note["id"]))
        assert ([t.name for t in saved.tags], saved.version) == (["re-keying"], 1)


def test_a_stale_correction_keeps_what_was_typed_and_saves_nothing(app, client, note):
    sign_in(client, "dee@example.org")
    assert client.post(url(note, "/edit"), data=whole(note, kind="idea")).status_code == 303
    response = client.post(url(note, "/edit"), data=whole(note, text="My careful correction", add_tags="late"))
    assert response.status_code == 409
    page = " ".join(response.get_data(as_text=True).split())
    assert "Someone changed this note while you were looking at it (it is now version 2)" in page
    assert ">My careful correction</textarea>" in page and 'value="late"' in page
    assert '<input type="hidden" name="base_version" value="2">' in page  # saving again applies it on purpose
    with app.app_context():
        saved = db.session.get(Observation, uuid.UUID(note["id"]))
        assert (saved.version, saved.kind, [t.name for t in saved.tags]) == (2, "idea", ["re-keying"])
        assert "I type every invoice" in saved.text


@pytest.mark.parametrize("changes, field, message", [
    ({"text": "   "}, "Text", "a note without text or a photo says nothing"),
    ({"add_tags": "x" * 61}, "Add tags", "A tag is at most 60 characters"),
    ({"participant_id": "999999"}, "Participant", "Not found in this study."),
    ({"visit_id": "nope"}, "Visit", "Not a valid integer."),
    ({"kind": "gossip"}, "Kind", "Choose one of the kinds in the list."),
], ids=["empty-text", "long-tag", "foreign-participant", "bad-visit", "bad-kind"])
def test_a_refused_correction_names_the_field_as_the_form_does(app, client, note, changes, field, message):
    with app.app_context():  # no photo: a note's only words cannot be emptied
        db.session.get(Observation, uuid.UUID(note["id"])).media = []
        db.session.commit()
    sign_in(client, "dee@example.org")
    response = client.post(url(note, "/edit"), data=whole(note, **changes))
    page = " ".join(response.get_data(as_text=True).split())
    assert response.status_code == 422 and f"<li>{field}: " in page and message in page
    assert "_id" not in page.split('class="error-summary"')[1].split("</div>")[0]
    with app.app_context():
        assert db.session.get(Observation, uuid.UUID(note["id"])).version == 1
