"""A card's face: what a phone and the wall show of a note, with consent applied as boards apply it.

A workshop's wall is a TV in a room, so it shows what a board would: a note's words only with the
participant's consent to quotes (otherwise the card says the words are withheld, and why), its photo
only with consent to photos and once verified, the person by role and organisation, never a name or
pseudonym, and real names typed into the words masked (visits/names.py). Deleted notes show no words.
"""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import aliased

from fieldnotes.extensions import db
from fieldnotes.observations.models import Attachment, MediaStatus, Observation, Slot
from fieldnotes.studies.models import Role, Touchpoint
from fieldnotes.visits.consent import PHOTO, QUOTE, consent_problem, unquoted, who
from fieldnotes.visits.models import Participant, SiteVisit
from fieldnotes.visits.names import NameGuard
from fieldnotes.workshops.models import Card

KIND_WORDS = {"observation": "Observation", "quote": "Quote", "breakdown": "Breakdown", "workaround": "Workaround",
              "delight": "Delight", "artifact": "Artifact", "idea": "Question or idea"}


@dataclass
class Face:
    id: str
    text: str
    withheld: str  # why the words are not shown ("" when they are)
    who: str
    kind: str
    touchpoint: str
    photo: str | None  # the photo's id, when consent allows it

    def as_json(self):
        return {"id": self.id, "text": self.text, "withheld": self.withheld, "who": self.who, "kind": self.kind,
                "touchpoint": self.touchpoint, "photo": self.photo}


def faces(study_id, note_ids):
    """{note id: Face} for the notes named."""
    if not note_ids:
        return {}
    person_role, note_role = aliased(Role), aliased(Role)
    rows = db.session.execute(
        select(Observation, Participant, person_role.name, note_role.name, SiteVisit, Touchpoint.name)
        .outerjoin(Participant, Participant.id == Observation.participant_id)
        .outerjoin(person_role, person_role.id == Participant.role_id)
        .outerjoin(note_role, note_role.id == Observation.role_id)
        .outerjoin(SiteVisit, SiteVisit.id == Observation.visit_id)
        .outerjoin(Touchpoint, Touchpoint.id == Observation.touchpoint_id)
        .where(Observation.id.in_(list(note_ids)), Observation.study_id == study_id)).all()
    photos = first_photos(note_ids)
    guard = NameGuard.of_study(study_id)
    shown = {}
    for note, participant, person_role_name, role_name, visit, touchpoint in rows:
        problem = consent_problem(QUOTE, participant, note.no_person)
        if note.deleted_at is not None:
            problem = "the note was deleted"
        text = guard.mask(unquoted(note.text) if note.kind == "quote" else note.text.strip()) if not problem else ""
        photo = photos.get(note.id)
        if photo is not None and (note.deleted_at is not None
                                  or consent_problem(PHOTO, participant, note.no_person) is not None):
            photo = None
        shown[note.id] = Face(
            id=str(note.id), text=text, withheld=f"Words withheld: {problem}." if problem else "",
            who=who(participant, person_role_name or role_name, visit, note.no_person),
            kind=KIND_WORDS.get(str(note.kind), str(note.kind)), touchpoint=touchpoint or "",
            photo=str(photo) if photo else None)
    return shown


def first_photos(note_ids):
    rows = db.session.execute(select(Attachment.observation_id, Attachment.id).where(
        Attachment.observation_id.in_(list(note_ids)), Attachment.slot == Slot.PHOTO,
        Attachment.status == MediaStatus.VERIFIED).order_by(Attachment.created_at, Attachment.id)).all()
    first = {}
    for note_id, media_id in rows:
        first.setdefault(note_id, media_id)
    return first


def photo_of(workshop, media_id):
    """A photo the workshop's wall may show (a card's consented, verified photo), else None."""
    attachment = db.session.get(Attachment, media_id)
    if attachment is None or db.session.get(Card, (workshop.id, attachment.observation_id)) is None:
        return None
    face = faces(workshop.study_id, [attachment.observation_id]).get(attachment.observation_id)
    return attachment if face is not None and face.photo == str(attachment.id) else None
