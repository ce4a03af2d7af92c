"""Erasing a participant from recordings and transcripts (registered with visits.service.ERASERS).

Their interview recordings go, with their transcripts, every version and the files; their notes'
recordings go too (observations' eraser removes those notes' audio; the recordings and transcripts
are deleted here first, explicitly). A job transcribing one of them finds no recording when it
ends and writes nothing. Other transcripts that name them (real name or pseudonym) are scrubbed to
"[participant]" in every version, their segments' text offsets laid out again.
"""
from sqlalchemy import delete, or_, select, text

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.observations.storage import delete_unheld
from fieldnotes.transcripts.fulltext import FTS_TABLE
from fieldnotes.transcripts.engine import Segment
from fieldnotes.transcripts.models import Recording, Transcript
from fieldnotes.transcripts.work import lay_out
from fieldnotes.visits.service import ERASERS, HOLDINGS, names_them


def their_recordings(participant):
    """Interview recordings of them, and the recordings of their notes (deleted notes too)."""
    notes = select(Observation.id).where(Observation.participant_id == participant.id)
    return db.session.scalars(select(Recording).where(or_(
        Recording.participant_id == participant.id, Recording.observation_id.in_(notes)))
        .order_by(Recording.created_at)).all()


def transcripts_naming(participant, pattern, leaving=()):
    if pattern is None:
        return []
    found = []
    query = select(Transcript).where(Transcript.study_id == participant.study_id)
    if leaving:  # not `NOT IN (NULL)` when none are: that is true of no row, and left every transcript naming them
        query = query.where(Transcript.recording_id.not_in(leaving))
    for transcript in db.session.scalars(query):
        if any(names_them(pattern, v.text) for v in transcript.versions):
            found.append(transcript)
    return found


def count_holdings(participant, pattern):
    recordings = their_recordings(participant)
    interviews = sum(1 for r in recordings if r.observation_id is None)
    transcripts = db.session.scalar(select(db.func.count()).select_from(Transcript).where(
        Transcript.recording_id.in_([r.id for r in recordings]))) if recordings else 0
    return {"interview_recordings": interviews, "transcripts": transcripts,
            "naming_transcripts": len(transcripts_naming(participant, pattern, [r.id for r in recordings]))}


def erase_from_transcripts(erasure):
    participant = erasure.participant
    recordings = their_recordings(participant)
    leaving = [r.id for r in recordings]
    files = {r.sha256 for r in recordings if r.observation_id is None and r.sha256}
    uploads = [r.id for r in recordings if r.observation_id is None]
    for transcript in transcripts_naming(participant, erasure.pattern, leaving):
        scrub_transcript(transcript, erasure)
        erasure.counts["naming_transcripts"] += 1
    if leaving:
        erasure.counts["transcripts"] += db.session.execute(
            delete(Transcript).where(Transcript.recording_id.in_(leaving))).rowcount
        erasure.counts["interview_recordings"] += len(uploads)
        db.session.execute(delete(Recording).where(Recording.id.in_(leaving)))
        db.session.expire_all()
    if db.session.get_bind().dialect.name == "sqlite":  # deleted words out of the index's old segments
        db.session.execute(text(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')"))
    erasure.after_commit.append(lambda: delete_unheld(files, uploads))


def scrub_transcript(transcript, erasure):
    for version in transcript.versions:
        words = [Segment(s.start_ms, s.end_ms, erasure.scrub(s.text)) for s in version.segments]
        version.text, segments = lay_out(words)
        for old, new in zip(version.segments, segments):
            old.text, old.start_char, old.end_char = new.text, new.start_char, new.end_char
        if version.number == transcript.version:
            transcript.text = version.text


if erase_from_transcripts not in ERASERS:
    ERASERS.append(erase_from_transcripts)
if count_holdings not in HOLDINGS:
    HOLDINGS.append(count_holdings)
