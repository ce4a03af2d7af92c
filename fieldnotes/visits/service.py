"""Recording site visits and participants, and erasing a participant. Callers commit.

Every id a form sends (role, researchers, participants, visit) is checked
against the study here: an id from another study is a field error, never a link.
"""
from collections import Counter
from dataclasses import dataclass, field

from flask import abort
from marshmallow import ValidationError
from sqlalchemy import func, select

from fieldnotes.auth.models import User
from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.organisations import service as accounts
from fieldnotes.studies.models import Membership
from fieldnotes.studies.permissions import allows
from fieldnotes.visits import ledger
from fieldnotes.visits.models import Participant, SiteVisit
from fieldnotes.visits.names import name_pattern, scrub

VISIT_FIELDS = ("visited_on", "organisation", "place", "summary")
PARTICIPANT_FIELDS = ("pseudonym", "role_id", "organisation", "real_name", "consent_given", "consent_on",
                      "consent_notes", "consent_quotes", "consent_photos", "consent_audio")

# Features built on this one add a function(erasure) here that removes what they hold about
# erasure.participant and counts it in erasure.counts, and a function(participant, pattern) to
# HOLDINGS that counts what it would remove, for the erase page. A feature registers when it is
# imported, after the features it builds on (it imports them), so erase_participant runs the
# erasers newest first: boards let go of a note's words before the note itself changes.
ERASERS = []
HOLDINGS = []
# Sections a feature above adds to a visit's page (transcripts: its interview recordings), each a
# function (membership, visit) -> HTML, shown in order after the participants.
VISIT_SECTIONS = []
# The two things a team may do with an erased participant's notes (the erase page's choice).
KEEP, DELETE = "keep", "delete"


@dataclass
class Erasure:
    """One participant's erasure: the choice made, what each feature removed, what to do after commit.

    `pattern` finds their real name and pseudonym as whole words in text the team typed elsewhere
    (other notes, reactions, visit summaries), which the erasers replace by "[participant]".
    """

    participant: Participant
    notes: str = KEEP
    erased_by: int | None = None
    pattern: object = None
    counts: Counter = field(default_factory=Counter)
    # Work that must wait for the commit (deleting files): a crash before it leaves a file, never a
    # row whose file is gone. Each runs in a transaction of its own and commits it.
    after_commit: list = field(default_factory=list)

    def __post_init__(self):
        self.pattern = naming_pattern(self.participant)

    def scrub(self, text):
        return scrub(text, self.pattern)

    def finish(self):
        """Run what had to wait for the commit (call after committing the erasure)."""
        for task in self.after_commit:
            task()


def get_visit(study_id, visit_id):
    """:raise 404: no such visit in this study (ids from other studies included)."""
    visit = db.session.get(SiteVisit, visit_id)
    if visit is None or visit.study_id != study_id:
        abort(404)
    return visit


def get_participant(study_id, participant_id):
    """:raise 404: no such participant in this study (ids from other studies included)."""
    participant = db.session.get(Participant, participant_id)
    if participant is None or participant.study_id != study_id:
        abort(404)
    return participant


def researcher_choices(study, visit=None):
    """Members who may capture (the permission table decides), plus anyone already on the visit who
    has since left the study or changed role: editing a visit never drops who went."""
    rows = db.session.execute(select(User, Membership.role).join(Membership, Membership.user_id == User.id)
                              .where(Membership.study_id == study.id).order_by(User.name, User.id)).all()
    members = [user for user, role in rows if allows(role, "capture")]
    former = [u for u in (visit.researchers if visit else []) if u not in members]
    return members + former


def role_choices(study, participant=None):
    """Active roles, plus a retired one the participant already has."""
    return [r for r in study.roles if r.active or (participant and r.id == participant.role_id)]


def _in_study(model, study_id, ids):
    if not ids:
        return []
    rows = db.session.scalars(select(model).where(model.study_id == study_id, model.id.in_(ids))).all()
    return rows if len(rows) == len(set(ids)) else None


def check_visit_links(study, data, visit=None):
    """Return the (researchers, participants) the ids name.

    :raise ValidationError: an id is not a member or participant of this study.
    """
    allowed = {u.id: u for u in researcher_choices(study, visit)}
    errors = {}
    ids = set(data["researcher_ids"])
    if not ids <= allowed.keys():
        errors["researcher_ids"] = ["Choose researchers from the members of this study. "
                                    "A visit's researchers are members who may capture notes."]
    participants = _in_study(Participant, study.id, data["participant_ids"])
    if participants is None:
        errors["participant_ids"] = ["Choose participants from this study."]
    account_problem = choose_account(study, data)
    if account_problem:
        errors["organisation"] = [account_problem]
    if errors:
        raise ValidationError(errors)
    return sorted((allowed[i] for i in ids), key=lambda u: u.name), participants


def choose_account(study, data):
    """Put the chosen account's name in data["organisation"] (a new name makes a new account when the
    visit is saved: visits/linking.py); a message when neither names one."""
    if data.get("organisation_id") is not None:
        account = accounts.get_account(study.id, data["organisation_id"])
        if account is None:
            return "Choose one of this study’s accounts."
        data["organisation"] = account.name
    elif not data.get("organisation"):
        return "Choose the organisation you visited, or name a new one."
    return None


def create_visit(study, data):
    """:raise ValidationError: see check_visit_links."""
    researchers, participants = check_visit_links(study, data)
    visit = SiteVisit(study_id=study.id, researchers=researchers, participants=participants,
                      **{k: data[k] for k in VISIT_FIELDS})
    db.session.add(visit)
    return visit


def update_visit(visit, study, data):
    """Replace the visit's fields and people with the form's. :raise ValidationError: see check_visit_links."""
    researchers, participants = check_visit_links(study, data, visit)
    for key in VISIT_FIELDS:
        setattr(visit, key, data[key])
    visit.researchers = researchers
    visit.participants = participants
    return visit


def check_participant(study, data, participant=None):
    """Return the visit named by data["visit_id"], if any.

    :raise ValidationError: the role or visit is not this study's, or the pseudonym is taken.
    """
    errors = {}
    if data.get("role_id") is not None:
        roles = role_choices(study, participant)
        if data["role_id"] not in {r.id for r in roles}:
            errors["role_id"] = ["Choose one of this study’s roles."]
    query = select(Participant.id).where(Participant.study_id == study.id,
                                         func.lower(Participant.pseudonym) == data["pseudonym"].lower())
    if participant is not None:
        query = query.where(Participant.id != participant.id)
    if db.session.scalar(query) is not None:
        errors["pseudonym"] = [f"Another participant in this study is already called “{data['pseudonym']}”."]
    visit = None
    if data.get("visit_id") is not None:
        visit = db.session.get(SiteVisit, data["visit_id"])
        if visit is None or visit.study_id != study.id:
            errors["visit_id"] = ["That visit is not part of this study."]
    if errors:
        raise ValidationError(errors)
    return visit


def create_participant(study, data):
    """A new participant, added to data["visit_id"]'s visit when given. :raise ValidationError."""
    visit = check_participant(study, data)
    participant = Participant(study_id=study.id, **{k: data.get(k) for k in PARTICIPANT_FIELDS})
    db.session.add(participant)
    if visit is not None:
        visit.participants.append(participant)
    return participant


def update_participant(participant, study, data):
    """Replace the fields the form sent; real_name stays when the form could not show it."""
    check_participant(study, data, participant)
    for key in PARTICIPANT_FIELDS:
        if key in data:
            setattr(participant, key, data[key])
    return participant


def naming_pattern(participant):
    """Their real name and pseudonym, as whole words, case-insensitively."""
    return name_pattern([participant.real_name, participant.pseudonym])


def holdings(participant):
    """What erasing the participant would remove or change, counted by every feature: {what: count}."""
    pattern = naming_pattern(participant)
    found = Counter(visits=len(participant.visits), summaries=len(visits_naming(participant, pattern)))
    for count in HOLDINGS:
        found.update(count(participant, pattern))
    return found


def names_them(pattern, *texts):
    return pattern is not None and any(text and pattern.search(text) for text in texts)


def visits_naming(participant, pattern):
    """The study's visits whose summary or place names them: text the team typed about the visit."""
    visits = db.session.scalars(select(SiteVisit).where(SiteVisit.study_id == participant.study_id))
    return [visit for visit in visits if names_them(pattern, visit.summary, visit.place)]


def erase_participant(participant, notes=KEEP, erased_by=None, recorded=False):
    """Delete the participant and every record that names them; their notes kept de-identified or deleted.

    Returns the Erasure with its counts; the caller commits, then calls erasure.finish(), which first
    writes the erasure to the ledger (ledger.py) so no restore brings them back; `recorded` says the
    ledger already lists it (erasing again after a restore).
    :raise Refused: `notes` is neither KEEP nor DELETE; nothing written.
    """
    if notes not in (KEEP, DELETE):
        raise Refused(errors={"notes": ["Choose whether to keep their notes as de-identified observations "
                                        "or delete them."]})
    erasure = Erasure(participant, notes=notes, erased_by=erased_by)
    if not recorded:
        entry = ledger.entry_of(erasure)  # now: after the commit the participant's row is gone
        erasure.after_commit.append(lambda: ledger.record(entry))
    for eraser in reversed(ERASERS):
        eraser(erasure)
    erasure.counts["visits"] = len(participant.visits)
    for visit in visits_naming(participant, erasure.pattern):
        visit.summary, visit.place = erasure.scrub(visit.summary), erasure.scrub(visit.place)
        erasure.counts["summaries"] += 1
    participant.visits = []
    db.session.delete(participant)
    return erasure


def erase_the_returned():
    """Erase again, with the team's choice, each participant the ledger lists whom a restore brought back.

    Each in its own transaction; returns how many. `flask restore` and `flask housekeeping` call it.
    """
    count = 0
    for entry in ledger.entries():
        participant = ledger.returned(entry)
        if participant is None:
            continue
        erasure = erase_participant(participant, entry["notes"], erased_by=None, recorded=True)
        db.session.commit()
        erasure.finish()
        count += 1
    return count
