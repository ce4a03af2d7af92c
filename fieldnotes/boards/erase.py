"""Erasing a participant takes their words and pictures off every board.

Their notes stay (without a participant) for the team, but a note with no participant may be
quoted on a board; so the evidence picked from their notes goes before the participant does.
"""
from sqlalchemy import delete, select

from fieldnotes.boards.models import Evidence
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.visits.service import ERASERS


def forget_evidence(participant):
    notes = select(Observation.id).where(Observation.participant_id == participant.id)
    db.session.execute(delete(Evidence).where(Evidence.observation_id.in_(notes)))


if forget_evidence not in ERASERS:
    ERASERS.append(forget_evidence)
