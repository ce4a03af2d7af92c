"""Erasing a participant: a highlight goes with the words it was taken from.

A highlight copies its source's participant (a note's, or a recording's), so observations/erase.py
erases it as one of their notes. But someone may have moved the highlight to another participant since;
its words are still the erased person's. Erasers run newest first (visits/service.py), so this runs before the notes are erased: it
puts such highlights back on the erased participant, so they are de-identified or deleted with the
rest of their notes, and drops the links, whose offsets point into words that are going.
"""
from sqlalchemy import delete, or_, select

from fieldnotes.extensions import db
from fieldnotes.highlights.models import Highlight
from fieldnotes.observations.models import Observation
from fieldnotes.transcripts.models import Recording, Transcript
from fieldnotes.visits.service import ERASERS


def erase_from_highlights(erasure):
    participant = erasure.participant
    theirs = select(Observation.id).where(Observation.participant_id == participant.id)
    # Their recordings: interviews of them, and their notes' audio (as transcripts/erase.py finds them).
    recordings = select(Recording.id).where(or_(Recording.participant_id == participant.id,
                                                Recording.observation_id.in_(theirs)))
    transcripts = select(Transcript.id).where(Transcript.recording_id.in_(recordings))
    links = db.session.scalars(select(Highlight).where(or_(
        Highlight.source_note_id.in_(theirs), Highlight.observation_id.in_(theirs),
        Highlight.transcript_id.in_(transcripts)))).all()
    if not links:
        return
    moved = [link.observation_id for link in links]
    for note in db.session.scalars(select(Observation).where(
            Observation.id.in_(moved), or_(Observation.participant_id.is_(None),
                                           Observation.participant_id != participant.id))):
        note.participant_id = participant.id  # erased below (observations/erase.py) with their notes
    db.session.execute(delete(Highlight).where(Highlight.observation_id.in_(moved)))
    db.session.flush()
    erasure.counts["highlights"] += len(links)


if erase_from_highlights not in ERASERS:
    ERASERS.append(erase_from_highlights)
