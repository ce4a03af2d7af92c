"""A tag renamed or merged across more notes than one round of statements takes (observations/many_edits.py):
each note becomes its next version once, its revision is its content as the ORM reads it back, a phone pulls
each once with the new name, the kept counts and the rows' tag ids stay right, and the statements sent do
not grow note by note."""
import uuid

import pytest
from sqlalchemy import func, select

from fieldnotes.explore.models import TagEvent
from fieldnotes.extensions import db
from fieldnotes.observations.content import note_content, same_content
from fieldnotes.observations.many_edits import CHUNK
from fieldnotes.observations.models import Observation, Revision, observation_tag
from fieldnotes.studies.models import Tag
from fieldnotes.sync.push import push_batch
from tests.factories import PASSWORD, make_observations, make_study, make_user, note_mutation
from tests.statements import statements_during
from tests.test_summaries import assert_no_drift
from tests.test_sync_pull import pull_all
from tests.test_tags_on_row import rewritten_after_their_links

NOTES = 2 * CHUNK + 101  # three rounds, the last one short
PHOTO = {"slot": "photo", "sha256": "ab" * 32, "size": 1234, "mime": "image/jpeg"}


def tags_of(n):
    """Every note has "on-boarding"; some "onboarding" as well (a merge must not link them twice), some more."""
    return ["on-boarding", *(["onboarding"] if n % 3 == 0 else []), *(["Invoices", "paper"] if n % 5 == 0 else [])]


@pytest.fixture
def study(app):
    """NOTES notes by Ana (owner), tagged as tags_of says, some with a photo, some quotes, some with an expected
    outcome; and one more note with "on-boarding", deleted. Returns (study id, {tag name: id}, the live notes' ids)."""
    with app.app_context():
        ana = make_user("ana@example.org", name="Ana")
        study = make_study(ana)
        made = []
        for start in range(0, NOTES, 200):
            made += make_observations(study, ana, [
                {"text": f"Note {n}", "tags": tags_of(n), "kind": "quote" if n % 7 == 0 else "observation",
                 "expected": "One screen" if n % 4 == 0 else None,
                 "media": [{"id": str(uuid.uuid4()), **PHOTO}] if n % 50 == 0 else []}
                for n in range(start, min(start + 200, NOTES))])
        [gone] = make_observations(study, ana, [{"text": "Deleted later", "tags": ["on-boarding"]}])
        [deleted] = push_batch(ana, uuid.uuid4(), [note_mutation(study, op="delete", entity_id=gone.id,
                                                                 base_version=gone.version)])
        assert deleted["status"] == "applied", deleted
        db.session.commit()
        tags = dict(db.session.execute(select(Tag.name, Tag.id).where(Tag.study_id == study.id)).all())
        return study.id, tags, [note.id for note in made]


def signed_in(client):
    assert client.post("/login", data={"email": "ana@example.org", "password": PASSWORD}).status_code == 303
    return client


def versions(note_ids):
    found = select(Observation.id, Observation.version).where(Observation.id.in_(note_ids))
    return dict(db.session.execute(found).all())


def number(note_text):
    """n of a note "Note n"."""
    return int(note_text.split()[1])


def assert_one_new_version_each(app, client, note_ids, before, cursor, tags_now):
    """Each note one version on, its newest revision its content as the ORM reads it back, and a phone's pull
    from before the change carries each note exactly once, with its tags as they are now (tags_now(n))."""
    with app.app_context():
        after = versions(note_ids)
        assert all(after[i] == before[i] + 1 for i in note_ids)
        for note_id in note_ids:
            note = db.session.get(Observation, note_id)
            revision = db.session.scalars(select(Revision).where(Revision.observation_id == note_id)
                                          .order_by(Revision.id.desc()).limit(1)).one()
            assert revision.version == note.version and revision.kind == "edit"
            assert same_content(revision.data, note_content(note)) and revision.data.keys() == note_content(note).keys()
            assert sorted(t.name for t in note.tags) == tags_now(number(note.text))
        study_id = db.session.get(Observation, note_ids[0]).study_id
    changes, _ = pull_all(client, study_id, cursor, limit=500)
    assert sorted(uuid.UUID(change["id"]) for change in changes) == sorted(note_ids)  # each once, the deleted none
    assert all(sorted(change["data"]["tags"]) == tags_now(number(change["data"]["text"])) for change in changes)


def posted(app, client, study_id, note_ids, url, form):
    """Ana signed in, a phone's cursor taken and the notes' versions noted, then `form` posted to `url` as the tag
    page does: (the versions before, the cursor, the statements the post sent)."""
    signed_in(client)
    with app.app_context():
        before = versions(note_ids)
    _, cursor = pull_all(client, study_id, limit=500)
    answers = []
    sent = statements_during(app, lambda: answers.append(client.post(url, data=form)), lambda statement: True)
    assert answers[0].status_code == 303, answers[0].get_data(as_text=True)
    return before, cursor, sent


def test_a_merge_across_many_notes_is_one_version_each_in_a_few_statements(app, client, study):
    study_id, tag, note_ids = study
    before, cursor, sent = posted(app, client, study_id, note_ids, f"/studies/{study_id}/tags/merge",
                                  {"source_id": tag["on-boarding"], "target_id": tag["onboarding"]})
    assert len(sent) < NOTES / 10  # through the ORM: about ten a note

    def merged(n):
        return sorted(["onboarding", *(["Invoices", "paper"] if n % 5 == 0 else [])])
    assert_one_new_version_each(app, client, note_ids, before, cursor, merged)
    with app.app_context():
        assert db.session.get(Tag, tag["on-boarding"]) is None
        links = db.session.execute(select(func.count()).where(observation_tag.c.tag_id == tag["onboarding"])).scalar()
        assert links == len(note_ids)  # one link each, the notes that had both included
        event = db.session.scalars(select(TagEvent).where(TagEvent.study_id == study_id)).one()
        assert event.notes == len(note_ids)
        if db.engine.dialect.name == "postgresql":
            assert rewritten_after_their_links(note_ids) == set()  # each row written once, with its new tag ids
    assert_no_drift(app, "a tag merged across three rounds of notes")


def test_a_rename_across_many_notes_is_one_version_each_with_the_new_name(app, client, study):
    study_id, tag, note_ids = study
    rename = f"/studies/{study_id}/tags/{tag['on-boarding']}/rename"
    before, cursor, sent = posted(app, client, study_id, note_ids, rename, {"name": "first week"})
    assert len(sent) < NOTES / 10

    def renamed(n):
        return sorted("first week" if name == "on-boarding" else name for name in tags_of(n))
    assert_one_new_version_each(app, client, note_ids, before, cursor, renamed)
    assert_no_drift(app, "a tag renamed across three rounds of notes")
