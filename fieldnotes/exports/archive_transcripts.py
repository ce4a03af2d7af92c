"""What a study archive says about recordings, their transcripts, and highlights.

A recording is a note's audio (named by its note's key and the audio's SHA-256: the file travels with
the note's media) or a visit's interview (its file in media/ like a photo). Its job travels reduced to
what a restore needs: done when it has a transcript, else the importing server queues it again. An
interview still uploading has no file yet: it stays on this server (the phone resumes it here).
Transcripts travel whole: every version with its time-coded segments.
"""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldnotes.exports.archive_format import moment
from fieldnotes.extensions import db
from fieldnotes.highlights.models import Highlight
from fieldnotes.observations.models import Attachment
from fieldnotes.transcripts.models import (JobState, Recording, Source, Transcript, TranscriptVersion,
                                           UploadStatus)


def archived_recordings(study_id):
    """The study's recordings that have their whole file, oldest first."""
    return select(Recording).where(Recording.study_id == study_id, Recording.upload == UploadStatus.VERIFIED) \
        .order_by(Recording.created_at, Recording.id)


def recording_records(keys):
    recordings = db.session.scalars(archived_recordings(keys.study_id).options(
        selectinload(Recording.transcripts).selectinload(Transcript.versions)
        .selectinload(TranscriptVersion.segments))).all()
    for recording in recordings:
        key = keys.recording[recording.id] = f"recording-{len(keys.recording) + 1}"
        for transcript in recording.transcripts:
            keys.transcript[transcript.id] = {"recording": key, "model": transcript.model}
        yield recording_record(recording, key, keys)
        db.session.expunge(recording)  # with its transcripts: a long interview need not stay in memory


def recording_record(recording, key, keys):
    done = bool(recording.transcripts)
    return {
        "key": key, "source": str(recording.source),
        "note": keys.note.get(recording.observation_id), "media": note_audio(recording),
        "visit": keys.visit.get(recording.visit_id), "participant": keys.participant.get(recording.participant_id),
        "title": recording.title, "added_by": keys.member(recording.added_by_id),
        "sha256": recording.sha256, "size": recording.size, "mime": recording.mime,
        "duration_ms": recording.duration_ms, "created_at": moment(recording.created_at),
        # The job, reduced: done, or failed (with its reason); the importing server queues anything else.
        "state": str(JobState.DONE if done else JobState.FAILED if recording.state == JobState.FAILED
                     else JobState.QUEUED),
        "failure": None if done else recording.failure,
        "transcripts": [transcript_record(t, keys) for t in recording.transcripts]}


def note_audio(recording):
    """A note's recording is its audio attachment, named by content within the note."""
    if recording.source != Source.NOTE or recording.attachment_id is None:
        return None
    return db.session.scalar(select(Attachment.sha256).where(Attachment.id == recording.attachment_id))


def interview_file(record):
    """The file an interview recording needs in media/ (a note's audio travels as the note's media)."""
    return record["sha256"] if record["source"] == str(Source.INTERVIEW) else None


def transcript_record(transcript, keys):
    return {"model": transcript.model, "language": transcript.language, "duration_ms": transcript.duration_ms,
            "version": transcript.version, "text": transcript.text, "created_at": moment(transcript.created_at),
            "updated_at": moment(transcript.updated_at),
            "versions": [{"number": v.number, "by_person": v.author_id is not None,
                          "author": keys.member(v.author_id), "text": v.text, "created_at": moment(v.created_at),
                          "segments": [{"position": s.position, "start_ms": s.start_ms, "end_ms": s.end_ms,
                                        "start_char": s.start_char, "end_char": s.end_char, "text": s.text}
                                       for s in v.segments]}
                         for v in transcript.versions]}


def highlight_records(keys):
    """Every highlight's link: its own note (which travels with the notes), its source and span.

    Call after recording_records(), which hands out the transcripts' keys."""
    links = db.session.scalars(select(Highlight).where(Highlight.study_id == keys.study_id)).all()
    records = [{"note": keys.note[h.observation_id], "source_note": keys.note.get(h.source_note_id),
                "transcript": keys.transcript.get(h.transcript_id), "start": h.start, "end": h.end,
                "source_version": h.source_version, "audio_start_ms": h.audio_start_ms,
                "audio_end_ms": h.audio_end_ms, "created_by": keys.member(h.created_by_id),
                "created_at": moment(h.created_at)} for h in links]
    return sorted(records, key=lambda h: int(h["note"].removeprefix("note-")))
