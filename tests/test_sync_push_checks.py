"""What a push's new notes are checked against, per study in one statement: the member's role, the study's
ids the notes name, and its tags of the names they give (sync/new_notes.py STUDY_CHECKS, issue 11 session 8)."""
import re
import uuid

import pytest
from sqlalchemy import select

from fieldnotes.auth.models import utcnow
from fieldnotes.extensions import db
from fieldnotes.observations import service
from fieldnotes.observations.models import Observation, observation_tag
from fieldnotes.studies.models import Role, Tag, Touchpoint
from fieldnotes.sync import new_notes
from tests.factories import add_member, make_study, make_user, note_mutation
from tests.statements import statements_during

DEVICE = "5b0e9c7a-1d2f-4e3a-8b6c-7d8e9f0a1b2c"
# Where the checks' three reads went: the role, the study's ids and the tags each read alone before.
CHECKED_TABLES = re.compile(r'\bFROM\s+"?(membership|tag|touchpoint|role|participant|site_visit)"?\s', re.I)


@pytest.fixture
def studies(app, auth):
    """Ana owns one study and views another (Cy's); she is signed in."""
    with app.app_context():
        ana, cy = make_user("ana@example.org", name="Ana"), make_user("cy@example.org", name="Cy")
        mine, viewed = make_study(ana), make_study(cy, name="Cy's study")
        add_member(viewed, ana, "viewer")
        db.session.add_all([Tag(study_id=mine.id, name="Paper list"), Tag(study_id=viewed.id, name="Paper list")])
        db.session.commit()
        ids = mine.id, viewed.id
    auth.login()
    return ids


def push(client, *mutations):
    response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": list(mutations)})
    assert response.status_code == 200, response.json
    return response.json["results"]


def study_terms(app, study_id):
    with app.app_context():
        touchpoint = db.session.scalars(select(Touchpoint.id).where(Touchpoint.study_id == study_id)).first()
        role = db.session.scalars(select(Role.id).where(Role.study_id == study_id)).first()
        return touchpoint, role


def tags_of(app, note_id):
    with app.app_context():
        return sorted(db.session.scalars(
            select(Tag.name).join(observation_tag, observation_tag.c.tag_id == Tag.id)
            .where(observation_tag.c.observation_id == uuid.UUID(note_id))))


def study_tags(app, study_id):
    with app.app_context():
        return sorted(db.session.scalars(select(Tag.name).where(Tag.study_id == study_id)))


def reads_during(app, send):
    """The statements that read the checked tables while `send()` runs."""
    return statements_during(app, send, lambda statement: CHECKED_TABLES.search(statement))


def test_the_role_the_ids_and_the_existing_tags_are_one_read_and_not_read_again(app, client, studies):
    mine, _ = studies
    touchpoint, role = study_terms(app, mine)
    notes = [note_mutation(mine, text=f"Note {i}", touchpoint_id=touchpoint, role_id=role,
                           tags=["PAPER LIST", "paper list"]) for i in range(5)]

    statements = reads_during(app, lambda: push(client, *notes))

    assert len(statements) == 1 and "UNION ALL" in statements[0]
    assert {tuple(tags_of(app, n["entity_id"])) for n in notes} == {("Paper list",)}
    assert study_tags(app, mine) == ["Paper list"]


def test_new_tags_take_the_first_spelling_and_existing_ones_keep_theirs(app, client, studies):
    mine, _ = studies
    # A push writes in note id order (overlapping pushes meet rows in the same order): first is first.
    first = note_mutation(mine, entity_id="10000000-0000-4000-8000-000000000000", tags=["paper LIST", "Sticky notes"])
    second = note_mutation(mine, entity_id="20000000-0000-4000-8000-000000000000",
                           tags=["STICKY NOTES", "Whiteboard", "whiteboard"])

    results = push(client, first, second)

    assert [r["status"] for r in results] == ["applied", "applied"]
    assert tags_of(app, first["entity_id"]) == ["Paper list", "Sticky notes"]
    assert tags_of(app, second["entity_id"]) == ["Sticky notes", "Whiteboard"]
    assert study_tags(app, mine) == ["Paper list", "Sticky notes", "Whiteboard"]


def test_each_study_is_checked_with_its_own_role_ids_and_tags(app, client, studies):
    mine, viewed = studies
    touchpoint, _ = study_terms(app, mine)
    theirs, _ = study_terms(app, viewed)
    good = note_mutation(mine, touchpoint_id=touchpoint, tags=["paper list"])
    foreign_id = note_mutation(mine, touchpoint_id=theirs)
    only_viewer = note_mutation(viewed, tags=["paper list", "New in theirs"])

    results = push(client, good, foreign_id, only_viewer)

    assert [r["status"] for r in results] == ["applied", "rejected", "rejected"]
    assert results[1]["errors"] == {"touchpoint_id": ["Not found in this study."]}
    assert results[2]["errors"] == {"study_id": ["You cannot add notes to this study."]}
    with app.app_context():
        [tag_id] = db.session.scalars(select(observation_tag.c.tag_id).where(
            observation_tag.c.observation_id == uuid.UUID(good["entity_id"])))
        assert db.session.get(Tag, tag_id).study_id == mine
    assert study_tags(app, viewed) == ["Paper list"]  # nothing made in a study she may not capture in


def test_a_tag_made_by_a_racing_push_after_the_checks_ends_as_one_row(app, client, studies, monkeypatch):
    """The checks found no "Sticky notes"; another push adds "STICKY NOTES" before this one writes."""
    mine, _ = studies
    read_study = new_notes.read_study

    def then_a_racing_push_adds_it(study_id, *args):
        found = read_study(study_id, *args)
        db.session.connection().execute(Tag.__table__.insert(), {
            "study_id": study_id, "name": "STICKY NOTES", "name_key": "sticky notes",
            "created_at": utcnow()})
        return found

    monkeypatch.setattr(new_notes, "read_study", then_a_racing_push_adds_it)
    note = note_mutation(mine, tags=["Sticky notes"])

    assert [r["status"] for r in push(client, note)] == ["applied"]
    assert tags_of(app, note["entity_id"]) == ["STICKY NOTES"]
    assert study_tags(app, mine) == ["Paper list", "STICKY NOTES"]


def test_a_cache_that_looked_for_a_tag_and_found_none_inserts_it_once(app, studies):
    mine, _ = studies
    with app.app_context():
        cache = {(mine, "sticky notes"): None, (mine, "paper list"): service.TagId(-1)}

        tags = service.tags_named(mine, ["Sticky Notes", "PAPER LIST", "sticky notes"], cache)

        sticky = db.session.scalars(select(Tag).where(Tag.study_id == mine, Tag.name_key == "sticky notes")).one()
        assert [tag.id for tag in tags] == [sticky.id, -1] and sticky.name == "Sticky Notes"


def test_a_note_edited_one_by_one_still_gets_orm_tags(app, client, studies):
    mine, _ = studies
    note = note_mutation(mine, tags=["Paper list"])
    push(client, note)
    edit = note_mutation(mine, op="update", entity_id=note["entity_id"], base_version=1, tags=["Whiteboard"])

    assert [r["status"] for r in push(client, edit)] == ["applied"]
    with app.app_context():
        tags = db.session.get(Observation, uuid.UUID(note["entity_id"])).tags
        assert [(type(tag), tag.name) for tag in tags] == [(Tag, "Whiteboard")]
