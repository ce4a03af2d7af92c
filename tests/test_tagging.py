"""Tagging after the fact: bulk changes, rename and merge with history, near-duplicate names."""
import uuid
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from fieldnotes.explore.tagging import near_duplicates, normalised, one_edit_apart
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation, observation_tag
from fieldnotes.studies.models import Role, Study, Tag, Touchpoint
from tests.factories import add_member, make_observation, make_study, make_user

DEVICE = "9b2f0f6e-4a53-4c52-9d0e-1f6a4f3d2c11"


@pytest.fixture
def notes(app):
    """Four notes by Rita (researcher); Dee designs; one note already tagged 're-keying'."""
    with app.app_context():
        owner, rita, dee = (make_user("owner@example.org", "Olu"), make_user("rita@example.org", "Rita"),
                            make_user("dee@example.org", "Dee"))
        study = make_study(owner, researcher=[rita], designer=[dee])
        made = [make_observation(study, rita, text=f"Note {i}", tags=["re-keying"] if i == 0 else [])
                for i in range(3)]
        made.append(make_observation(study, owner, text="Owner's note", tags=["on-boarding", "onboarding"]))
        return {"study": study.id, "ids": [str(n.id) for n in made],
                "support": db.session.query(Touchpoint).filter_by(study_id=study.id, name="Support").one().id,
                "cio": db.session.query(Role).filter_by(study_id=study.id, name="CIO").one().id}


def sign_in(client, email):
    assert client.post("/login", data={"email": email, "password": "quiet harbour lantern 42"}).status_code == 303


def bulk(client, study_id, ids, action, **fields):
    return client.post(f"/studies/{study_id}/notes/bulk", data={"note_ids": ids, "action": action, **fields})


def state(note_id):
    note = db.session.get(Observation, uuid.UUID(note_id))
    return SimpleNamespace(version=note.version, seq=note.seq, kind=str(note.kind), tags=[t.name for t in note.tags],
                           touchpoint_id=note.touchpoint_id, role_id=note.role_id, revisions=len(note.revisions))


def test_bulk_add_tag_versions_each_changed_note_so_phones_pull_it(app, client, notes):
    sign_in(client, "dee@example.org")
    with app.app_context():
        before = [state(i) for i in notes["ids"][:3]]
    back = f"/studies/{notes['study']}/notes?kind=breakdown"
    response = bulk(client, notes["study"], notes["ids"][:3], "add-tag", tag="Re-Keying", next=back)
    assert response.status_code == 303 and response.location.endswith(back)
    with app.app_context():
        after = [state(i) for i in notes["ids"][:3]]
        assert [a.tags for a in after] == [["re-keying"]] * 3  # the existing tag, whatever the case typed
        assert [a.version for a in after] == [1, 2, 2]  # the first already had it
        # Each changed note takes its own new change number, past every earlier one.
        assert min(after[1].seq, after[2].seq) > max(b.seq for b in before) and after[1].seq != after[2].seq
        assert db.session.scalar(select(func.count()).select_from(Tag)) == 3
    flash = client.get(back.replace("/notes?kind=breakdown", "")).get_data(as_text=True)
    assert "Added tag “Re-Keying” to 2 notes. 1 note already had it." in flash
    pulled = client.get(f"/api/sync/pull?study_id={notes['study']}&cursor=").json["changes"]
    assert {c["id"]: c["data"]["tags"] for c in pulled}[notes["ids"][1]] == ["re-keying"]


def test_bulk_remove_tag_and_set_fields(app, client, notes):
    sign_in(client, "dee@example.org")
    assert bulk(client, notes["study"], notes["ids"], "remove-tag", tag="re-keying").status_code == 303
    assert bulk(client, notes["study"], notes["ids"][:2], "set-kind", value="workaround").status_code == 303
    assert bulk(client, notes["study"], notes["ids"][:2], "set-touchpoint", value=notes["support"]).status_code == 303
    assert bulk(client, notes["study"], notes["ids"][:2], "set-role", value=notes["cio"]).status_code == 303
    with app.app_context():
        first = state(notes["ids"][0])
        assert (first.tags, first.kind, first.touchpoint_id, first.role_id, first.version) == (
            [], "workaround", notes["support"], notes["cio"], 5)
        assert state(notes["ids"][2]).kind == "observation"
    assert bulk(client, notes["study"], notes["ids"][:1], "set-role", value="none").status_code == 303
    with app.app_context():
        assert state(notes["ids"][0]).role_id is None


def test_bulk_refuses_bad_requests_without_changing_anything(app, client, notes):
    sign_in(client, "dee@example.org")
    for data in [{"action": "set-kind", "value": "gossip"}, {"action": "add-tag"},
                 {"action": "remove-tag", "tag": "never-used"}, {"action": "explode"},
                 {"action": "set-touchpoint", "value": "abc"}]:
        response = bulk(client, notes["study"], notes["ids"], **data)
        assert response.status_code == 422, data
        assert "Nothing was changed" in response.get_data(as_text=True)
    response = client.post(f"/studies/{notes['study']}/notes/bulk", data={"action": "add-tag", "tag": "x"})
    assert response.status_code == 422 and "Select at least one note." in response.get_data(as_text=True)
    with app.app_context():
        assert [state(i).version for i in notes["ids"]] == [1, 1, 1, 1]


def test_bulk_is_scoped_and_permissioned(app, client, notes):
    with app.app_context():
        study = db.session.get(Study, notes["study"])
        add_member(study, make_user("vic@example.org"), "viewer")
        other = make_study(make_user("o2@example.org"), name="Other")
        foreign = str(make_observation(other, db.session.query(type(other.memberships[0].user)).filter_by(
            email="o2@example.org").one()).id)
        other_id = other.id
    sign_in(client, "dee@example.org")
    response = bulk(client, notes["study"], [notes["ids"][1], foreign], "add-tag", tag="x", next="//evil.example/")
    assert response.status_code == 303 and "evil" not in response.location
    assert bulk(client, other_id, [foreign], "add-tag", tag="x").status_code == 404
    with app.app_context():
        assert state(foreign).tags == [] and state(notes["ids"][1]).tags == ["x"]
    client.post("/logout")
    sign_in(client, "vic@example.org")
    assert bulk(client, notes["study"], notes["ids"], "add-tag", tag="y").status_code == 403
    client.post("/logout")
    sign_in(client, "rita@example.org")  # a researcher may tag, but sets fields only on her own notes
    bulk(client, notes["study"], notes["ids"], "set-kind", value="idea")
    with app.app_context():
        assert [state(i).kind for i in notes["ids"]] == ["idea", "idea", "idea", "observation"]


def test_rename_carries_notes_and_is_recorded(app, client, notes):
    sign_in(client, "dee@example.org")
    with app.app_context():
        tag = db.session.scalar(select(Tag).where(Tag.name == "re-keying"))
        tag_id, before = tag.id, state(notes["ids"][0])
    response = client.post(f"/studies/{notes['study']}/tags/{tag_id}/rename", data={"name": "double entry"})
    assert response.status_code == 303
    with app.app_context():
        after = state(notes["ids"][0])
        assert after.tags == ["double entry"] and after.version == before.version + 1 and after.seq > before.seq
    response = client.post(f"/studies/{notes['study']}/tags/{tag_id}/rename", data={"name": "Onboarding"})
    assert response.status_code == 422
    assert "There is already a tag “onboarding”: merge" in response.get_data(as_text=True)
    page = client.get(f"/studies/{notes['study']}/tags/manage").get_data(as_text=True)
    assert "renamed “re-keying” to “double entry” (1 note)" in " ".join(page.split())


def test_merge_moves_notes_without_duplicate_links(app, client, notes):
    sign_in(client, "dee@example.org")
    with app.app_context():
        ids = {t.name: t.id for t in db.session.scalars(select(Tag))}
    bulk(client, notes["study"], notes["ids"][1:2], "add-tag", tag="on-boarding")
    response = client.post(f"/studies/{notes['study']}/tags/merge",
                           data={"source_id": ids["on-boarding"], "target_id": ids["onboarding"]})
    assert response.status_code == 303
    with app.app_context():
        assert state(notes["ids"][3]).tags == ["onboarding"] and state(notes["ids"][1]).tags == ["onboarding"]
        links = db.session.execute(select(observation_tag.c.observation_id, func.count())
                                   .group_by(observation_tag.c.observation_id)).all()
        assert all(count == 1 for _, count in links) and len(links) == 3
        assert db.session.get(Tag, ids["on-boarding"]) is None
    page = " ".join(client.get(f"/studies/{notes['study']}/tags/manage").get_data(as_text=True).split())
    assert "merged “on-boarding” into “onboarding” (2 notes)" in page
    assert "Possible duplicates" not in page
    response = client.post(f"/studies/{notes['study']}/tags/merge",
                           data={"source_id": ids["onboarding"], "target_id": ids["onboarding"]})
    assert response.status_code == 422 and "Choose two different tags." in response.get_data(as_text=True)


def test_tag_pages_are_permissioned(app, client, notes):
    with app.app_context():
        add_member(db.session.get(Study, notes["study"]), make_user("vic@example.org"), "viewer")
        tag_id = db.session.scalar(select(Tag.id).where(Tag.name == "re-keying"))
        other = make_study(make_user("o2@example.org"), name="Other", designer=[make_user("odd@example.org")])
        other_id = other.id
    sign_in(client, "vic@example.org")
    assert client.get(f"/studies/{notes['study']}/tags/manage").status_code == 403
    assert client.post(f"/studies/{notes['study']}/tags/{tag_id}/rename", data={"name": "z"}).status_code == 403
    client.post("/logout")
    sign_in(client, "odd@example.org")
    assert client.get(f"/studies/{notes['study']}/tags/manage").status_code == 404
    assert client.post(f"/studies/{other_id}/tags/{tag_id}/rename", data={"name": "z"}).status_code == 404


def test_near_duplicates_are_pointed_out(app, client, notes):
    names = ["onboarding", "on-boarding", "Onboarding ", "onboardng", "spreadsheet", "spreadshet", "cats", "cat"]
    tags = [SimpleNamespace(name=n) for n in names]
    pairs = {(a.name, b.name) for a, b in near_duplicates(tags)}
    assert {("onboarding", "on-boarding"), ("onboarding", "Onboarding "), ("onboarding", "onboardng"),
            ("on-boarding", "onboardng"), ("spreadsheet", "spreadshet")} <= pairs
    assert ("cats", "cat") not in pairs  # short words one letter apart are usually different words
    assert normalised(" On-Boarding ") == "onboarding" and not one_edit_apart("abcdef", "abcxyz")
    sign_in(client, "dee@example.org")
    page = " ".join(client.get(f"/studies/{notes['study']}/tags/manage").get_data(as_text=True).split())
    assert "Possible duplicates (1)" in page and "Merge “onboarding” into “on-boarding”" in page
