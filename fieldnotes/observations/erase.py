"""Erasing a participant is a change to their notes that phones must hear about.

The database unlinks the notes itself when the participant row goes
(ON DELETE SET NULL). Without a new version and change number, phones would
keep the erased participant on those notes and a later edit naming them would
be refused. This hook only records the change, so it does not matter whether
it runs before or after the other erasers, which find notes by participant.
"""
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations import changes
from fieldnotes.observations.models import Observation
from fieldnotes.visits.service import ERASERS


def announce_unlinked_notes(participant):
    notes = db.session.scalars(select(Observation).where(Observation.participant_id == participant.id)
                               .order_by(Observation.id)).all()
    if not notes:
        return
    changes.lock_counter()
    for note in notes:
        changes.new_version(note)


if announce_unlinked_notes not in ERASERS:
    ERASERS.append(announce_unlinked_notes)
