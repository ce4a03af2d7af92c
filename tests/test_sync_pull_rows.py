"""Pull reads plain rows (sync/pull_rows.py): every page is the same as notes loaded through the ORM gave."""
import uuid

from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations.content import note_state
from fieldnotes.observations.models import Attachment, MediaStatus, Observation
from fieldnotes.sync import pull as pulling
from fieldnotes.sync.push import push_batch
from fieldnotes.visits.service import KEEP, erase_participant
from tests.factories import (make_conflict, make_observations, make_participant, make_study, make_user,
                             make_visit, note_mutation)


def media(slot="photo", mime="image/jpeg"):
    return {"id": str(uuid.uuid4()), "slot": slot, "sha256": uuid.uuid4().hex * 2, "size": 2048, "mime": mime}


def fieldwork(owner, researcher):
    """A study with every kind of change a phone pulls: tags, media (pending and verified), edits,
    a kept conflict, a tombstone, notes of an erased participant, two authors, and a second study."""
    study = make_study(owner, researcher=researcher)
    visit = make_visit(study)
    erased, kept = make_participant(study, [visit]), make_participant(study, [visit])
    touchpoint, role = study.touchpoints[2], study.roles[1]
    notes = make_observations(study, owner, [
        {"text": "Re-keys the bank file", "tags": ["month-end", "Bank file", "approval delays"],
         "touchpoint_id": touchpoint.id, "role_id": role.id, "visit_id": visit.id, "participant_id": erased.id},
        {"kind": "quote", "text": "I never trust the total", "participant_id": kept.id, "visit_id": visit.id,
         "media": [media(), media("audio", "audio/mp4")]},
        {"kind": "breakdown", "text": "Approval stuck for a week", "expected": "Approved the same day",
         "tags": ["approval delays"], "participant_id": erased.id},
        {"kind": "artifact", "text": "The whiteboard of overdue invoices", "no_person": True,
         "media": [media()]},
        {"text": "To be deleted"},
    ])
    make_observations(study, researcher, [{"kind": "idea", "text": "Bulk approve from the phone",
                                           "tags": ["mobile approvals"]}])
    make_observations(make_study(owner, name="Another study"), owner, [{"text": "Not in this study"}])
    make_conflict(notes[1], owner)
    [deleted] = push_batch(owner, uuid.uuid4(), [note_mutation(study, op="delete", entity_id=notes[4].id,
                                                               base_version=1)])
    assert deleted["status"] == "applied", deleted
    attachment = db.session.scalar(select(Attachment).where(Attachment.observation_id == notes[3].id))
    attachment.status = MediaStatus.VERIFIED
    erasure = erase_participant(erased, KEEP, erased_by=owner.id)
    db.session.commit()
    erasure.finish()
    return study.id


def orm_pages(study_id, limit):
    """The pages as the ORM code built them: notes loaded with their tags, media and author."""
    db.session.expire_all()
    notes = db.session.scalars(select(Observation).where(Observation.study_id == study_id)
                               .order_by(Observation.seq)).all()
    states = [note_state(note) for note in notes]
    return [states[start:start + limit] for start in range(0, len(states), limit)]


def test_every_page_equals_the_notes_as_the_orm_loads_them(app):
    with app.app_context():
        study_id = fieldwork(make_user("ana@example.org", name="Ana"), make_user("ben@example.org", name="Ben"))
        for limit in (1, 3, 6, 500):
            golden, cursor, pages = orm_pages(study_id, limit), "", []
            while True:
                page = pulling.pull(study_id, cursor, limit)
                pages.append(page["changes"])
                cursor = page["cursor"]
                if not page["has_more"]:
                    break
            assert pages == golden, f"pages of {limit}"
        states = [state for page in golden for state in page]
        # What the fixture meant to cover is there, so equality above compares something.
        assert {s["data"]["author"] for s in states} == {"Ana", "Ben"} and any(s["deleted"] for s in states)
        assert {m["status"] for s in states for m in s["data"]["media"]} == {"pending", "verified"}
        assert {"approval delays", "Bank file", "month-end"} in [set(s["data"]["tags"]) for s in states]
        # The erased participant's two notes come de-identified; only the kept participant's note names one.
        assert len(states) == 6 and sum(s["data"]["participant_id"] is not None for s in states) == 1


def test_a_full_last_page_says_there_is_no_more(app):
    with app.app_context():
        owner = make_user("ana@example.org", name="Ana")
        study = make_study(owner)
        make_observations(study, owner, [{"text": f"Note {i}"} for i in range(4)])
        first = pulling.pull(study.id, "", 2)
        second = pulling.pull(study.id, first["cursor"], 2)
        assert first["has_more"] and not second["has_more"] and len(second["changes"]) == 2
        last = pulling.pull(study.id, second["cursor"], 2)
        assert (last["changes"], last["cursor"], last["has_more"]) == ([], second["cursor"], False)
