"""The interpretation session after a visit: the team walks its notes, marks them, adds context, closes it.

Callers commit. A visit has at most one session (a unique visit_id): starting twice finds the
first. Marks are kept per note while the session is open; closing counts them onto the session,
which the visit page then shows as the outcome.
"""
import uuid
from datetime import UTC, datetime, timedelta

from marshmallow import Schema, ValidationError, validate
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from fieldnotes.auth.models import User, utcnow
from fieldnotes.errors import Conflict, NotFound, Refused
from fieldnotes.extensions import db
from fieldnotes.fieldkit.brief import LONGEST
from fieldnotes.fieldkit.models import InterpretationSession, Mark, NoteMark
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Membership
from fieldnotes.text import Text
from fieldnotes.visits.models import SiteVisit
from fieldnotes.visits.schemas import IdList

# While memory is fresh (issue 15): a session is due 48 hours after the day of the visit ends.
DUE_AFTER = timedelta(hours=48)
CONTEXT_LONGEST = 2_000


class CloseSchema(Schema):
    list_fields = ("attendee_ids",)

    summary = Text(load_default="", validate=validate.Length(max=LONGEST, error="Use at most {max} characters."))
    attendee_ids = IdList()


def session_of(visit_id):
    return db.session.scalar(select(InterpretationSession).where(InterpretationSession.visit_id == visit_id))


NOTE_COLUMNS = (Observation.id, Observation.kind, Observation.text, Observation.expected, Observation.participant_id,
                Observation.role_id, Observation.touchpoint_id, Observation.captured_at)


def visit_notes(visit_id):
    """The visit's live notes (as rows of NOTE_COLUMNS: a long visit has hundreds), in the order they were
    captured: the order the team relives the visit."""
    return db.session.execute(select(*NOTE_COLUMNS).where(Observation.visit_id == visit_id,
                                                          Observation.deleted_at.is_(None))
                              .order_by(Observation.captured_at, Observation.id)).all()


def start_session(visit, user):
    """The visit's session, begun now if there was none (a second start, even a racing one, finds it)."""
    found = session_of(visit.id)
    if found is not None:
        return found
    session = InterpretationSession(visit_id=visit.id, study_id=visit.study_id, started_by_id=user.id)
    try:
        with db.session.begin_nested():
            db.session.add(session)
    except IntegrityError:
        return session_of(visit.id)  # another screen started it a moment ago
    return session


def marks_of(session):
    return {mark.observation_id: mark for mark in session.marks}


def note_id(raw):
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        return None


def mark_note(session, raw_note_id, raw_mark, raw_context, user):
    """Set one note's mark ("" clears it) and context. :raise Refused, NotFound, Conflict: nothing written."""
    if session.closed:
        raise Conflict("This session is closed: its outcome is kept as it was. Nothing was changed.")
    observation_id = note_id(raw_note_id)
    note = db.session.get(Observation, observation_id) if observation_id else None
    if note is None or note.visit_id != session.visit_id or note.deleted_at is not None:
        raise NotFound("That note is not one of this visit's notes (it may have been deleted).")
    errors = {}
    if raw_mark not in ("", *(m.value for m in Mark)):
        errors["mark"] = ["Mark a note as key, question or insight candidate, or clear its mark."]
    context = (raw_context or "").strip()
    if len(context) > CONTEXT_LONGEST:
        errors["context"] = [f"Use at most {CONTEXT_LONGEST} characters for the context."]
    try:
        context = Text().deserialize(context)
    except ValidationError as error:
        errors["context"] = error.messages
    if errors:
        raise Refused(errors=errors)
    mark = db.session.get(NoteMark, (session.id, observation_id)) or NoteMark(session=session,
                                                                             observation_id=observation_id)
    mark.mark = Mark(raw_mark) if raw_mark else None
    mark.context, mark.marked_by_id, mark.marked_at = context, user.id, utcnow()
    db.session.add(mark)
    return mark


def tally(session):
    """{mark: count} over the visit's live notes, and how many notes there are."""
    live = select(Observation.id).where(Observation.visit_id == session.visit_id, Observation.deleted_at.is_(None))
    rows = db.session.execute(select(NoteMark.mark, func.count()).where(
        NoteMark.session_id == session.id, NoteMark.mark.is_not(None), NoteMark.observation_id.in_(live))
        .group_by(NoteMark.mark)).all()
    notes = db.session.scalar(select(func.count()).select_from(live.subquery()))
    return {Mark(mark): count for mark, count in rows}, notes


def attendee_choices(study_id):
    return db.session.scalars(select(User).join(Membership, Membership.user_id == User.id)
                              .where(Membership.study_id == study_id).order_by(User.name, User.id)).all()


def close_session(session, data, user):
    """Count the marks onto the session and close it. :raise Conflict (closed), ValidationError (who)."""
    if session.closed:
        raise Conflict("This session was closed already; its outcome is on the visit.")
    members = {u.id: u for u in attendee_choices(session.study_id)}
    chosen = set(data["attendee_ids"])
    if not chosen:
        raise ValidationError({"attendee_ids": ["Tick who took part in the session."]})
    if not chosen <= members.keys():
        raise ValidationError({"attendee_ids": ["Choose who took part from the members of this study."]})
    counts, notes = tally(session)
    session.attendees = sorted((members[i] for i in chosen), key=lambda u: (u.name, u.id))
    session.summary = data["summary"]
    session.notes_count = notes
    session.key_count = counts.get(Mark.KEY, 0)
    session.question_count = counts.get(Mark.QUESTION, 0)
    session.candidate_count = counts.get(Mark.CANDIDATE, 0)
    session.closed_at, session.closed_by_id = utcnow(), user.id
    return session


def due_by(visited_on):
    """When the visit's session is due: 48 hours after the end of the visit's day (UTC)."""
    return datetime.combine(visited_on + timedelta(days=1), datetime.min.time(), UTC) + DUE_AFTER


def last_overdue_day(now):
    """The latest visit day whose session is overdue at `now` (due_by(day) < now), so SQL can ask by date."""
    moment = now - DUE_AFTER - timedelta(days=1)
    return moment.date() if moment.time() != datetime.min.time() else moment.date() - timedelta(days=1)


def overdue_query(study_id, now):
    return (select(SiteVisit, InterpretationSession)
            .outerjoin(InterpretationSession, InterpretationSession.visit_id == SiteVisit.id)
            .where(SiteVisit.study_id == study_id, SiteVisit.visited_on <= last_overdue_day(now),
                   InterpretationSession.closed_at.is_(None)))


def overdue_visits(study_id, now=None, limit=None):
    """The study's visits past their due time with no closed session, oldest first, with their open session
    (or None), and how many there are in all."""
    query = overdue_query(study_id, now or utcnow())
    rows = db.session.execute(query.order_by(SiteVisit.visited_on, SiteVisit.id).limit(limit)).all()
    total = len(rows) if limit is None or len(rows) < limit else db.session.scalar(
        select(func.count()).select_from(query.subquery()))
    return [(visit, session) for visit, session in rows], total
