"""Transcription jobs: queue a recording, claim it, transcribe it, write its transcript once.

The database, not the queue, says where each recording stands (Recording.state). A job claims its
recording with a fresh token in a short transaction, transcribes with no transaction open, and
writes the whole transcript in one transaction at the end, only while its token is still the
recording's. So:
- a worker killed with kill -9 mid-job leaves the recording "transcribing" with a heartbeat that
  stops; once the lease passes, the sweep (at worker start and every minute) queues it again and
  the next claim takes it over with a new token;
- a stale worker that wakes up later finds another token and writes nothing;
- the transcript is unique per (recording, model): a second write is refused by the database too;
- a recording deleted or a participant erased mid-job leaves no row to write to: the job ends.
"""
import logging
import secrets
import threading
from datetime import timedelta

from flask import current_app
from sqlalchemy import event, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fieldnotes import jobs
from fieldnotes.auth.models import utcnow
from fieldnotes.extensions import db
from fieldnotes.observations.models import Slot
from fieldnotes.observations.signals import media_verified
from fieldnotes.observations.storage import served_path, stored_path
from fieldnotes.transcripts import engine
from fieldnotes.transcripts.decode import AudioProblem
from fieldnotes.transcripts.model_files import ModelMissing, model_folder
from fieldnotes.transcripts.models import (JobState, Recording, Source, Transcript, TranscriptSegment,
                                           TranscriptVersion)
from fieldnotes.writers import writer_turn

log = logging.getLogger(__name__)
AFTER_COMMIT = "fieldnotes.transcribe_after_commit"


# Queueing

def queue(recording):
    """Mark the recording queued; its job is sent once this transaction commits (never before)."""
    recording.state, recording.progress, recording.failure = JobState.QUEUED, 0, None
    recording.job_token, recording.state_changed_at = None, utcnow()
    db.session.info.setdefault(AFTER_COMMIT, set()).add(recording.id)


@media_verified.connect
def queue_note_audio(attachment):
    """A note's audio arrived whole: transcribe it (in the transaction that verifies it)."""
    if attachment.slot != Slot.AUDIO:
        return
    exists = db.session.scalar(select(Recording.id).where(Recording.attachment_id == attachment.id))
    if exists is None:
        note = attachment.observation
        recording = Recording(study_id=note.study_id, source=Source.NOTE, attachment_id=attachment.id,
                              observation_id=note.id, added_by_id=note.author_id, mime=attachment.mime,
                              size=attachment.size, sha256=attachment.sha256)
        db.session.add(recording)
        db.session.flush()
        queue(recording)


@event.listens_for(Session, "after_commit")
def send_queued(session):
    ids = session.info.pop(AFTER_COMMIT, None)
    if not ids:
        return
    try:
        for recording_id in sorted(ids, key=str):
            jobs.enqueue("transcribe", str(recording_id))
    except Exception:  # noqa: BLE001 (the queue is down: the sweep sends them when a worker starts)
        log.exception("Could not queue transcription; a worker's sweep will queue it")


@event.listens_for(Session, "after_rollback")
def forget_queued(session):
    session.info.pop(AFTER_COMMIT, None)


# The job

@jobs.job("transcribe")
def transcribe_job(recording_id):
    token = claim(recording_id)
    if token is None:
        return "not mine"
    path = audio_path(recording_id)
    heartbeat = Heartbeat(current_app._get_current_object(), recording_id, token)
    heartbeat.start()
    # Segments go to a spool file as they are heard; the transcript is published once, whole, from it.
    with engine.Spool() as spool:
        try:
            heard = engine.transcribe(path, heartbeat.progress, spool) if path else None
        except (AudioProblem, ModelMissing) as problem:
            heartbeat.stop()
            return fail(recording_id, token, str(problem))
        except engine.Cancelled:
            heartbeat.stop()
            return "cancelled"
        except Exception as error:  # noqa: BLE001 (any engine failure ends as "failed", with a retry)
            heartbeat.stop()
            log.exception("Transcription of %s failed", recording_id)
            return fail(recording_id, token, f"The speech engine stopped with an error ({type(error).__name__}).")
        heartbeat.stop()
        if heard is None:
            return fail(recording_id, token, "The recording's file is missing on the server.")
        return write_transcript(recording_id, token, heard)


def lease():
    return timedelta(seconds=current_app.config["TRANSCRIBE_LEASE_SECONDS"])


def locked(recording_id):
    """The recording, its row locked for this transaction (PostgreSQL); None if it is gone."""
    return db.session.scalar(select(Recording).where(Recording.id == recording_id)
                             .with_for_update().execution_options(populate_existing=True))


def claim(recording_id):
    """Take the job: a queued recording, or one whose worker went silent. Returns the new token or None."""
    with writer_turn():
        recording = locked(as_uuid(recording_id))
        stale = recording is not None and recording.state == JobState.TRANSCRIBING and (
            recording.heartbeat_at is None or recording.heartbeat_at < utcnow() - lease())
        if recording is None or not (recording.state == JobState.QUEUED or stale):
            db.session.rollback()
            return None
        token = secrets.token_hex(16)
        recording.state, recording.job_token, recording.progress = JobState.TRANSCRIBING, token, 0
        recording.attempts += 1
        recording.state_changed_at = recording.heartbeat_at = utcnow()
        db.session.commit()
        return token


def audio_path(recording_id):
    recording = db.session.get(Recording, as_uuid(recording_id))
    if recording is None:
        return None
    if recording.source == Source.NOTE:
        path = served_path(recording.attachment) if recording.attachment else None
    else:
        path = stored_path(recording.sha256) if recording.sha256 else None
    db.session.commit()
    return path if path is not None and path.exists() else None


class Heartbeat:
    """Keeps the job's lease while the engine works, and tells the engine to stop when it is lost."""

    def __init__(self, app, recording_id, token):
        self.app, self.recording_id, self.token = app, as_uuid(recording_id), token
        self.percent, self.written, self.lost = 0, 0, False
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.beat, daemon=True, name=f"heartbeat-{recording_id}")

    def start(self):
        self.thread.start()

    def stop(self):
        self.stopping.set()
        self.thread.join()

    def progress(self, percent):
        """Called by the engine as it goes: remember the percentage; raise Cancelled if the job is lost."""
        self.percent = max(self.percent, int(percent))
        if self.lost:
            raise engine.Cancelled()

    def beat(self):
        interval = max(0.2, min(2.0, self.app.config["TRANSCRIBE_LEASE_SECONDS"] / 4))
        with self.app.app_context():
            while not self.stopping.wait(interval):
                if not self.write():
                    self.lost = True
                    return
            db.session.remove()

    def write(self):
        with writer_turn():
            done = db.session.execute(
                update(Recording).where(Recording.id == self.recording_id, Recording.job_token == self.token)
                .values(heartbeat_at=utcnow(), progress=self.percent).execution_options(synchronize_session=False))
            db.session.commit()
        return done.rowcount == 1


def fail(recording_id, token, reason):
    with writer_turn():
        recording = locked(as_uuid(recording_id))
        if recording is None or recording.job_token != token:
            db.session.rollback()
            return "not mine"
        recording.state, recording.failure, recording.progress = JobState.FAILED, reason, 0
        recording.job_token, recording.state_changed_at = None, utcnow()
        db.session.commit()
    return "failed"


def write_transcript(recording_id, token, heard):
    """The whole transcript in one transaction, only while the job is still this worker's."""
    with writer_turn():
        recording = locked(as_uuid(recording_id))
        if recording is None or recording.job_token != token or recording.state != JobState.TRANSCRIBING:
            db.session.rollback()
            return "not mine"
        existing = db.session.scalar(select(Transcript).where(Transcript.recording_id == recording.id,
                                                              Transcript.model == heard.model))
        if existing is None:
            db.session.add(new_transcript(recording, heard))
        recording.state, recording.progress, recording.failure = JobState.DONE, 100, None
        recording.job_token, recording.duration_ms = None, heard.duration_ms
        recording.state_changed_at = utcnow()
        try:
            db.session.commit()
        except IntegrityError:  # written by another try a moment ago: one transcript it stays
            db.session.rollback()
            return "not mine"
    return "done"


def new_transcript(recording, heard):
    text, segments = lay_out(heard.segments)
    transcript = Transcript(recording_id=recording.id, study_id=recording.study_id, model=heard.model,
                            language=heard.language, duration_ms=heard.duration_ms, version=1, text=text)
    transcript.versions.append(TranscriptVersion(number=1, author_id=None, text=text, segments=segments))
    return transcript


def lay_out(segments):
    """(text, [TranscriptSegment]): the segments' words joined by newlines, each knowing its place."""
    rows, parts, at = [], [], 0
    for position, segment in enumerate(segments):
        words = " ".join(segment.text.split())
        rows.append(TranscriptSegment(position=position, start_ms=segment.start_ms, end_ms=segment.end_ms,
                                      start_char=at, end_char=at + len(words), text=words))
        parts.append(words)
        at += len(words) + 1
    return "\n".join(parts), rows


# Recovery

def sweep(min_age=timedelta(0)):
    """Queue what no live worker holds: queued jobs whose message may be lost, and silent ones."""
    now = utcnow()
    ids = db.session.scalars(select(Recording.id).where(or_(
        (Recording.state == JobState.QUEUED) & (Recording.state_changed_at <= now - min_age),
        (Recording.state == JobState.TRANSCRIBING) & (Recording.heartbeat_at < now - lease()))
    ).order_by(Recording.created_at)).all()
    db.session.commit()
    for recording_id in ids:
        jobs.enqueue("transcribe", str(recording_id))
    return len(ids)


@jobs.on_worker_start
def start_worker():
    """Check the model before taking any job (a wrong file stops the worker here), then recover."""
    app = current_app._get_current_object()
    folder = model_folder(app.config, app.instance_path)
    log.info("Transcribing with %s at %s", folder.name, folder.path)
    sweep()


@jobs.periodic("transcribe-sweep", minute="*")
def sweep_every_minute():
    sweep(min_age=timedelta(minutes=1))


def as_uuid(value):
    import uuid

    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
