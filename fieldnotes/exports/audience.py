"""Who an export is for, what consent lets it carry, and the "left out and why" report.

`team`: everything a member may see; real names never (rows.py masks them in every text).
`outside`: a note's words, photos and recordings only where the participant's consent covers that
use: the same rule as boards (visits/consent.py). A note whose words may not go is left out whole,
with its media; a note that may go loses each photo or recording its participant did not agree to.
The report counts both, per participant and use, before anyone downloads.
"""
from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import func, select

from fieldnotes.extensions import db
from fieldnotes.text import natural_key
from fieldnotes.observations.models import Attachment, MediaStatus, Observation
from fieldnotes.visits.consent import QUOTE, consent_problem, use_of
from fieldnotes.visits.models import Participant

TEAM, OUTSIDE = "team", "outside"
AUDIENCES = {TEAM: "Your team", OUTSIDE: "Outside the team"}
NOUNS = {QUOTE: "notes", "photo": "photos", "audio": "recordings"}


def refusal(audience, use, participant, no_person):
    """Why this use of a note (QUOTE, PHOTO, AUDIO) may not go to this audience, or None.
    The team receives all it already sees; outside, the one consent rule decides."""
    return consent_problem(use, participant, no_person) if audience == OUTSIDE else None


class Consent:
    """What an audience may receive of a note, asked of the one consent rule."""

    def __init__(self, audience):
        self.audience = audience

    def keeps_words(self, participant, no_person):
        return refusal(self.audience, QUOTE, participant, no_person) is None

    def keeps_media(self, attachment, participant, no_person):
        return refusal(self.audience, use_of(attachment), participant, no_person) is None


@dataclass
class LeftOut:
    """One line of the report: `count` notes (or photos, recordings) from one participant, and why."""

    count: int
    what: str
    whom: str
    reason: str

    def __str__(self):
        what = self.what if self.count != 1 else self.what.removesuffix("s")
        return f"{self.count} {what} from {self.whom}: {self.reason}"

    def as_dict(self):
        return {"count": self.count, "what": self.what, "from": self.whom, "reason": self.reason}


def left_out(scope, audience):
    """[LeftOut] for this scope and audience, most first; empty for the team. Two grouped queries."""
    if audience != OUTSIDE:
        return []
    people = {p.id: p for p in db.session.scalars(select(Participant).where(Participant.study_id == scope.study.id))}
    grouped = (Observation.participant_id, Observation.no_person)
    notes = db.session.execute(select(*grouped, func.count()).where(*scope.where).group_by(*grouped)).all()
    media = db.session.execute(
        select(*grouped, Attachment.slot, func.count()).join(Attachment, Attachment.observation_id == Observation.id)
        .where(*scope.where, Attachment.status == MediaStatus.VERIFIED).group_by(*grouped, Attachment.slot)).all()
    report = []
    for participant_id, no_person, count in notes:
        participant = people.get(participant_id)
        problem = consent_problem(QUOTE, participant, no_person)
        if problem:
            report.append(LeftOut(count, NOUNS[QUOTE], whom(participant), outside_reason(problem)))
    for participant_id, no_person, slot, count in media:
        participant = people.get(participant_id)
        use = use_of(SimpleNamespace(slot=slot))
        words, own = consent_problem(QUOTE, participant, no_person), consent_problem(use, participant, no_person)
        if words or own:
            reason = outside_reason(own) if own else f"left out with the notes they belong to ({words})"
            report.append(LeftOut(count, NOUNS[use], whom(participant), reason))
    return sorted(report, key=lambda line: (-line.count, natural_key(line.whom), line.what))


def whom(participant):
    return participant.pseudonym if participant is not None else "no participant"


def outside_reason(problem):
    return f"{problem}, so consent does not cover use outside the team"


def total(scope):
    return db.session.scalar(select(func.count()).select_from(Observation).where(*scope.where))
