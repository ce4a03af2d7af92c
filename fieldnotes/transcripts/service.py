"""Reading and changing recordings and transcripts: who may, the current version, edits, retries.

A transcript edit is a new version with its own segments (each segment's words may change, never
its time range), written in one transaction; the transcript row then carries the new text, which
the full-text index reads. Nothing of an earlier version is changed.
"""
from flask import abort
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldnotes.auth.models import utcnow
from fieldnotes.errors import Conflict, Refused
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.observations.service import can_edit
from fieldnotes.observations.storage import delete_unheld
from fieldnotes.studies.permissions import allows
from fieldnotes.text import clean_text, forbidden_characters, refusal
from fieldnotes.transcripts import work
from fieldnotes.transcripts.models import JobState, Recording, Source, Transcript, TranscriptVersion

SEGMENT_MAX = 5_000


def get_recording(study_id, recording_id):
    """:raise 404: no such recording in this study (or its note was deleted)."""
    recording = db.session.get(Recording, recording_id)
    if recording is None or recording.study_id != study_id:
        abort(404)
    if recording.observation_id is not None:
        note = db.session.get(Observation, recording.observation_id)
        if note is None or note.deleted_at is not None:
            abort(404)
    return recording


def note_of(recording):
    return db.session.get(Observation, recording.observation_id) if recording.observation_id else None


def may_change(membership, recording):
    """Editing a transcript or retrying its job: as for the note it belongs to; an interview
    recording, whoever may edit notes and runs fieldwork (researchers: those they added)."""
    if membership is None or not allows(membership.role, "edit_notes"):
        return False
    if recording.source == Source.NOTE:
        return can_edit(membership, note_of(recording))
    return allows(membership.role, "manage_fieldwork") and (
        membership.role != "researcher" or recording.added_by_id == membership.user_id)


def current_transcript(recording_id):
    """The newest transcript of the recording (one per model), with its current version's segments."""
    return db.session.scalar(select(Transcript).where(Transcript.recording_id == recording_id)
                             .order_by(Transcript.id.desc()).limit(1))


def current_version(transcript):
    return db.session.scalar(select(TranscriptVersion).where(
        TranscriptVersion.transcript_id == transcript.id, TranscriptVersion.number == transcript.version)
        .options(selectinload(TranscriptVersion.segments)))


def versions(transcript):
    return db.session.scalars(select(TranscriptVersion).where(TranscriptVersion.transcript_id == transcript.id)
                              .order_by(TranscriptVersion.number.desc())
                              .options(selectinload(TranscriptVersion.segments),
                                       selectinload(TranscriptVersion.author))).all()


def edit(transcript, author, base_version, texts):
    """Make a new version from the segments' new words (a list, one per segment of the current version).

    :raise Conflict: someone saved a version after `base_version` (nothing written).
    :raise Refused: the list does not fit the segments, or a segment is too long (nothing written).
    Returns the new version, or None when nothing changed. The caller commits.
    """
    locked = db.session.scalar(select(Transcript).where(Transcript.id == transcript.id)
                               .with_for_update().execution_options(populate_existing=True))
    if locked.version != base_version:
        raise Conflict(f"Someone saved version {locked.version} of this transcript while you were editing "
                       f"version {base_version}. Nothing was saved; your words are in the form, beside "
                       "the transcript as it is now.")
    current = current_version(locked)
    if len(texts) != len(current.segments):
        raise Refused(f"The transcript has {len(current.segments)} segments; {len(texts)} were sent.")
    cleaned = [" ".join(clean_text(text or "").split()) for text in texts]
    for number, text in enumerate(cleaned, 1):
        if bad := forbidden_characters(text):
            raise Refused(f"Segment {number}: {refusal(bad)}")
    if too_long := [i + 1 for i, text in enumerate(cleaned) if len(text) > SEGMENT_MAX]:
        raise Refused(f"Segment {too_long[0]} is longer than {SEGMENT_MAX:,} characters.")
    if cleaned == [segment.text for segment in current.segments]:
        return None
    text, segments = work.lay_out(work.engine.Segment(s.start_ms, s.end_ms, words)
                                  for s, words in zip(current.segments, cleaned))
    version = TranscriptVersion(number=locked.version + 1, author_id=author.id, text=text, segments=segments)
    locked.versions.append(version)
    locked.version, locked.text, locked.updated_at = version.number, text, utcnow()
    db.session.flush()
    return version


def retry(recording):
    """Queue a failed job again (the caller commits; the job is sent after the commit).

    :raise Refused: the job is not failed (queued, transcribing or done already).
    """
    if recording.state != JobState.FAILED:
        raise Refused(f"This recording is {recording.state}; only a failed transcription can be retried.")
    work.queue(recording)


def state_of(recording):
    """What a page shows and polls: the job's state, its progress, and why it failed."""
    return {"id": str(recording.id), "state": str(recording.state), "progress": recording.progress,
            "failure": recording.failure, "upload": str(recording.upload), "offset": recording.offset,
            "size": recording.size}


def delete_recording(recording):
    """Delete an interview recording and its transcripts (the caller commits, then calls what this returns
    to delete the file, unless a row of any feature, in any study, holds the same content)."""
    digests, uploads = {recording.sha256} - {None}, [recording.id]
    db.session.delete(recording)
    db.session.flush()
    return lambda: delete_unheld(digests, uploads)
