"""The evidence a board may show: its picks, less what was deleted, moved, unverified or unconsented.

The consent rule itself is the participants' (fieldnotes/visits/consent.py); this module reads a
board's picks with their notes, media and people, and asks that rule of each. Every board view,
the share view, presentation mode and the board media routes get evidence only from here, and
its words come with participants' real names masked (visits/names.py).
"""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import aliased

from fieldnotes.boards.evidence import clip_problem
from fieldnotes.boards.models import Evidence
from fieldnotes.boards.quotes import customer_words
from fieldnotes.extensions import db
from fieldnotes.highlights.queries import clips
from fieldnotes.observations.models import Attachment, Kind, MediaStatus, Observation
from fieldnotes.studies.models import Role
from fieldnotes.visits.consent import AUDIO, QUOTE, consent_problem, use_of, who
from fieldnotes.visits.models import Participant, SiteVisit
from fieldnotes.visits.names import NameGuard


@dataclass
class Shown:
    """One piece of evidence as pages may show it: no pseudonym, no real name, no note id."""

    use: str
    text: str
    who: str
    # What the board's media route serves: a note's attachment, or for an interview's clip its recording.
    attachment_id: object = None
    recording_id: object = None
    mime: str = ""
    # A customer's own words (a quote note), shown in quotation marks; any other note's text is the
    # researcher's observation, and is never dressed up as something a customer said.
    quoted: bool = False
    # The quote's words carry their own quotation marks (“It’s broken,” she said.): pages add none.
    own_marks: bool = False
    # A transcript highlight's clip: (start, end) seconds of the recording to play, and no more.
    clip: tuple | None = None

    @property
    def media_id(self):
        """The id the board's media route serves this piece's file by (both are UUIDs: never the same)."""
        return self.recording_id or self.attachment_id


def consented_evidence(item_notes, guard=None):
    """{board item id: [Shown, ...]} for the items in `item_notes` ({item id: set of live note ids}).

    Picked evidence is left out when its note was deleted or moved out of the insight, its media
    is not verified, or consent_problem() refuses it. `guard` is the study's NameGuard when the
    caller has it already.
    """
    if not item_notes:
        return {}
    note_role, person_role = aliased(Role), aliased(Role)
    rows = db.session.execute(
        select(Evidence, Observation, Attachment, Participant, person_role.name, note_role.name, SiteVisit)
        .join(Observation, Observation.id == Evidence.observation_id)
        .outerjoin(Attachment, Attachment.id == Evidence.attachment_id)
        .outerjoin(Participant, Participant.id == Observation.participant_id)
        .outerjoin(person_role, person_role.id == Participant.role_id)
        .outerjoin(note_role, note_role.id == Observation.role_id)
        .outerjoin(SiteVisit, SiteVisit.id == Observation.visit_id)
        .where(Evidence.board_item_id.in_(list(item_notes)), Observation.deleted_at.is_(None))
        .order_by(Evidence.board_item_id, Evidence.position, Evidence.id)).all()
    shown = {item_id: [] for item_id in item_notes}
    heard = clips({row[1].id for row in rows if row[0].recording_id is not None or (
        row[2] is not None and row[2].observation_id != row[1].id)})
    if rows and guard is None:
        guard = NameGuard.of_study(rows[0][1].study_id)
    for evidence, note, attachment, participant, person_role_name, role_name, visit in rows:
        if note.id not in item_notes[evidence.board_item_id]:
            continue
        piece = shown_piece(evidence, note, attachment, heard.get(note.id))
        if piece is None or consent_problem(piece.use, participant, note.no_person) is not None:
            continue
        if piece.clip is not None and clip_problem(heard[note.id]) is not None:
            continue
        if piece.use == QUOTE:
            words = customer_words(note.text)
            piece.quoted = note.kind == Kind.QUOTE
            piece.text, piece.own_marks = guard.mask(words.text), piece.quoted and words.own_marks
        piece.who = who(participant, person_role_name or role_name, visit, note.no_person)
        shown[evidence.board_item_id].append(piece)
    return shown


def shown_piece(evidence, note, attachment, clip):
    """What a pick shows before consent is asked (words, a photo, a recording or a clip), or None when it is
    gone: media unverified or moved, a clip whose highlight or recording no longer holds it."""
    if evidence.recording_id is not None:
        # It plays the recording it names, and only while its highlight is still a span of that recording.
        if clip is None or not clip.interview or clip.media_id != evidence.recording_id:
            return None
        return Shown(use=AUDIO, text="", who="", recording_id=clip.media_id, mime=clip.mime,
                     clip=(clip.start, clip.end))
    if attachment is None:
        return None if evidence.attachment_id is not None else Shown(use=QUOTE, text="", who="")
    if attachment.status != MediaStatus.VERIFIED:
        return None
    if attachment.observation_id != note.id:  # another note's recording: the highlight's clip of it
        if clip is None or clip.interview or clip.media_id != attachment.id:
            return None
        return Shown(use=AUDIO, text="", who="", attachment_id=attachment.id, mime=attachment.mime,
                     clip=(clip.start, clip.end))
    return Shown(use=use_of(attachment), text="", who="", attachment_id=attachment.id, mime=attachment.mime)
