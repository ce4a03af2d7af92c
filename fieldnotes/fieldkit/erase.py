"""Erasing a participant from the visit kit: the context the team added to their notes, and their name.

Runs before the notes change (erasers run newest first), while their notes still name them. The
context added to their notes in a session is about them, so it goes whatever the team keeps of
the notes; the marks stay (key, question: they say nothing of the person), and so do a closed
session's counts. Text elsewhere that names them (other notes' context, session summaries, visit
plans, the brief) keeps its words with the name replaced.
"""
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.fieldkit.models import InterpretationSession, NoteMark, RoleFocus, StudyBrief, VisitPlan
from fieldnotes.observations.models import Observation
from fieldnotes.visits.service import ERASERS, HOLDINGS, names_them

# (model, its text columns) that the team types and that may name a participant.
TEXTS = ((NoteMark, ("context",)), (InterpretationSession, ("summary",)), (VisitPlan, ("who", "learn")),
         (StudyBrief, ("goal", "hypotheses")), (RoleFocus, ("questions", "watch_for")))


def marks_on_their_notes(participant):
    notes = select(Observation.id).where(Observation.participant_id == participant.id)
    return db.session.scalars(select(NoteMark).where(NoteMark.observation_id.in_(notes),
                                                     NoteMark.context != "")).all()


def rows_of_study(model, study_id):
    if model is NoteMark:
        return db.session.scalars(select(NoteMark).join(InterpretationSession)
                                  .where(InterpretationSession.study_id == study_id)).all()
    return db.session.scalars(select(model).where(model.study_id == study_id)).all()


def naming(participant, pattern):
    """Every kit row whose text names them, with the columns to scrub."""
    found = []
    for model, columns in TEXTS:
        for row in rows_of_study(model, participant.study_id):
            if names_them(pattern, *(getattr(row, c) for c in columns)):
                found.append((row, columns))
    return found


def count_holdings(participant, pattern):
    return {"session_context": len(marks_on_their_notes(participant)),
            "naming_kit": len(naming(participant, pattern))}


def forget_context(erasure):
    for mark in marks_on_their_notes(erasure.participant):
        mark.context = ""
        erasure.counts["session_context"] += 1
    for row, columns in naming(erasure.participant, erasure.pattern):
        for column in columns:
            setattr(row, column, erasure.scrub(getattr(row, column)))
        erasure.counts["naming_kit"] += 1


if forget_context not in ERASERS:
    ERASERS.append(forget_context)
if count_holdings not in HOLDINGS:
    HOLDINGS.append(count_holdings)
