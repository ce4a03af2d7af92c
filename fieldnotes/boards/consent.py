"""Consent, decided in one place: which picked evidence may be shown, and how its person is named.

Every board view, the share view, presentation mode, the board media routes and the evidence
picker go through consent_problem(); the pages get evidence only from consented_evidence().
"""
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import aliased

from fieldnotes.boards.models import Evidence
from fieldnotes.extensions import db
from fieldnotes.observations.models import Attachment, MediaStatus, Observation, Slot
from fieldnotes.studies.models import Role
from fieldnotes.visits.models import Participant, SiteVisit

QUOTE, PHOTO, AUDIO = "quote", "photo", "audio"
USE_FIELD = {QUOTE: "consent_quotes", PHOTO: "consent_photos", AUDIO: "consent_audio"}
USE_WORDS = {QUOTE: "quotes", PHOTO: "photos", AUDIO: "audio recordings"}


def consent_problem(use, participant):
    """None when `use` (quote, photo, audio) of this participant's note may be shown; else why not.

    A note with no participant: its words may be shown (nobody to identify), its media may not
    (no consent on record for the people a photo or recording may show).
    """
    if participant is None:
        return None if use == QUOTE else f"no participant on record, so no consent for {USE_WORDS[use]}"
    if not participant.consent_given:
        return "the participant has not given consent"
    if not getattr(participant, USE_FIELD[use]):
        return f"the participant did not consent to {USE_WORDS[use]}"
    return None


QUOTE_MARKS = "\"'“”‘’«»"


def unquoted(text):
    """The words without the quotation marks a researcher typed around them: pages add their own."""
    text = text.strip()
    if len(text) > 1 and text[0] in QUOTE_MARKS and text[-1] in QUOTE_MARKS:
        return text[1:-1].strip()
    return text


def use_of(attachment):
    if attachment is None:
        return QUOTE
    return PHOTO if attachment.slot == Slot.PHOTO else AUDIO


def who(participant, role, visit):
    """'End user, Halloran Regional Logistics': role and organisation, never a name or pseudonym.

    `role` is the participant's role name, or failing that the note's.
    """
    organisation = (participant.organisation if participant is not None and participant.organisation
                    else visit.organisation if visit is not None else "")
    return ", ".join(part for part in (role, organisation) if part) or "A participant"


@dataclass
class Shown:
    """One piece of evidence as pages may show it: no pseudonym, no real name, no note id."""

    use: str
    text: str
    who: str
    attachment_id: object = None
    mime: str = ""


def consented_evidence(item_notes):
    """{board item id: [Shown, ...]} for the items in `item_notes` ({item id: set of live note ids}).

    Picked evidence is left out when its note was deleted or moved out of the insight, its media
    is not verified, or consent_problem() refuses it.
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
    for evidence, note, attachment, participant, person_role_name, role_name, visit in rows:
        if note.id not in item_notes[evidence.board_item_id]:
            continue
        if evidence.attachment_id is not None and (attachment is None or attachment.status != MediaStatus.VERIFIED
                                                   or attachment.observation_id != note.id):
            continue
        use = use_of(attachment)
        if consent_problem(use, participant) is not None:
            continue
        shown[evidence.board_item_id].append(Shown(
            use=use, text=unquoted(note.text) if use == QUOTE else "", who=who(participant, person_role_name or role_name, visit),
            attachment_id=attachment.id if attachment else None, mime=attachment.mime if attachment else ""))
    return shown
