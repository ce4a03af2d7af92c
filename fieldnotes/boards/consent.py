"""The evidence a board may show: its picks, less what was deleted, moved, unverified or unconsented.

The consent rule itself is the participants' (fieldnotes/visits/consent.py); this module reads a
board's picks with their notes, media and people, and asks that rule of each. Every board view,
the share view, presentation mode and the board media routes get evidence only from here, and
its words come with participants' real names masked (visits/names.py).
"""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import aliased

from fieldnotes.boards.models import Evidence
from fieldnotes.boards.quotes import customer_words
from fieldnotes.extensions import db
from fieldnotes.observations.models import Attachment, Kind, MediaStatus, Observation
from fieldnotes.studies.models import Role
from fieldnotes.visits.consent import QUOTE, consent_problem, use_of, who
from fieldnotes.visits.models import Participant, SiteVisit
from fieldnotes.visits.names import NameGuard


@dataclass
class Shown:
    """One piece of evidence as pages may show it: no pseudonym, no real name, no note id."""

    use: str
    text: str
    who: str
    attachment_id: object = None
    mime: str = ""
    # A customer's own words (a quote note), shown in quotation marks; any other note's text is the
    # researcher's observation, and is never dressed up as something a customer said.
    quoted: bool = False
    # The quote's words carry their own quotation marks (“It’s broken,” she said.): pages add none.
    own_marks: bool = False


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
    if rows and guard is None:
        guard = NameGuard.of_study(rows[0][1].study_id)
    for evidence, note, attachment, participant, person_role_name, role_name, visit in rows:
        if note.id not in item_notes[evidence.board_item_id]:
            continue
        if evidence.attachment_id is not None and (attachment is None or attachment.status != MediaStatus.VERIFIED
                                                   or attachment.observation_id != note.id):
            continue
        use = use_of(attachment)
        if consent_problem(use, participant, note.no_person) is not None:
            continue
        quoted = use == QUOTE and note.kind == Kind.QUOTE
        words = customer_words(note.text) if use == QUOTE else None
        shown[evidence.board_item_id].append(Shown(
            use=use, text=guard.mask(words.text) if words else "",
            who=who(participant, person_role_name or role_name, visit, note.no_person),
            attachment_id=attachment.id if attachment else None, mime=attachment.mime if attachment else "",
            quoted=quoted, own_marks=quoted and words.own_marks))
    return shown
