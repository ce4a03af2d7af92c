"""The evidence an insight's notes offer for a board: each quote, photo and clip, consented or not.

The evidence picker and the demo board both choose from candidates(); what the participant did not
consent to is never offered, only listed as withheld with the reason.
"""
from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.orm import aliased, selectinload

from fieldnotes.boards.quotes import customer_words
from fieldnotes.extensions import db
from fieldnotes.highlights.queries import clips
from fieldnotes.observations.models import MediaStatus, Observation
from fieldnotes.studies.models import Role
from fieldnotes.visits.consent import AUDIO, PHOTO, QUOTE, consent_problem, use_of, who
from fieldnotes.visits.models import Participant, SiteVisit
from fieldnotes.visits.names import NameGuard

NOUN = {QUOTE: "quote", PHOTO: "photo", AUDIO: "recording"}


def candidates(note_ids):
    """(offered, withheld): offered are (pick value, use, label, who, attachment); withheld say why not."""
    offered, withheld = [], []
    if not note_ids:
        return offered, withheld
    note_role, person_role = aliased(Role), aliased(Role)
    rows = db.session.execute(
        select(Observation, Participant, person_role.name, note_role.name, SiteVisit)
        .outerjoin(Participant, Participant.id == Observation.participant_id)
        .outerjoin(person_role, person_role.id == Participant.role_id)
        .outerjoin(note_role, note_role.id == Observation.role_id)
        .outerjoin(SiteVisit, SiteVisit.id == Observation.visit_id)
        .where(Observation.id.in_(list(note_ids)), Observation.deleted_at.is_(None))
        .options(selectinload(Observation.media))
        .order_by(Observation.captured_at, Observation.id)).all()
    guard = NameGuard.of_study(rows[0][0].study_id) if rows else None
    heard = clips([row[0].id for row in rows])  # a transcript highlight's audio: a clip of its recording
    for note, participant, person_role_name, role_name, visit in rows:
        person = who(participant, person_role_name or role_name, visit, note.no_person)
        pieces = [(f"note:{note.id}", QUOTE, None)] + [
            (f"media:{m.id}", use_of(m), m) for m in note.media if m.status == MediaStatus.VERIFIED]
        clip = heard.get(note.id)
        if clip is not None:
            # An interview's clip has no attachment to point at: its pick names the recording instead.
            pieces.append((f"clip:{note.id}", AUDIO, SimpleNamespace(id=None if clip.interview else clip.media_id,
                                                                      clip=clip)))
        for value, use, attachment in pieces:
            problem = consent_problem(use, participant, note.no_person) or (
                clip_problem(clip) if value.startswith("clip:") else None)
            if problem:
                withheld.append(f"A {NOUN[use]} from {person}: {problem}.")
            else:
                # Masked as the board will show it: builders include designers, who may not see real names.
                words = customer_words(note.text)
                offered.append({"value": value, "use": use, "text": guard.mask(words.text), "who": person,
                                "own_marks": words.own_marks, "kind": note.kind, "attachment": attachment,
                                "note_id": note.id, "clip": getattr(attachment, "clip", None)})
    return offered, withheld


def clip_problem(clip):
    """A clip is the recorded person's voice: their consent to audio decides too (the highlight may have
    been moved to someone else since it was made)."""
    return consent_problem(AUDIO, db.session.get(Participant, clip.participant_id) if clip.participant_id else None,
                           clip.no_person)
