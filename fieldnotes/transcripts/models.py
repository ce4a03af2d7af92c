"""Recordings, their transcription jobs, and transcripts kept as versions of time-coded segments.

A recording is either a note's audio (an Attachment of the audio slot, whose file sync keeps) or an
interview recording added to a visit (its own resumable upload, stored content-addressed like media).
Its transcript is written once per (recording, model) in one transaction at the end of a job, so a
worker killed mid-job leaves nothing half-written and a retry cannot make a second one. Each edit
of a transcript is a new version with its own segments; the transcript row keeps the current text,
which the full-text index reads.
"""
import enum
import uuid
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text, UniqueConstraint, Uuid, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from fieldnotes.auth.models import User, utcnow
from fieldnotes.extensions import db
from fieldnotes.observations.models import Attachment, Observation  # noqa: F401  (tables the FKs name)
from fieldnotes.observations.storage import FILE_HOLDERS
from fieldnotes.studies.models import Study, enum_column
from fieldnotes.transcripts import fulltext
from fieldnotes.visits.models import Participant, SiteVisit

# An interview recording may run this long; longer files are refused before any decoding work.
MAX_SECONDS = 2 * 60 * 60


class Source(enum.StrEnum):
    NOTE = "note"            # a note's audio, from the phone
    INTERVIEW = "interview"  # a recording added to a visit (laptop or phone)


class UploadStatus(enum.StrEnum):
    PENDING = "pending"    # bytes still arriving (interview recordings only)
    VERIFIED = "verified"  # all bytes here and their SHA-256 checked


class JobState(enum.StrEnum):
    WAITING = "waiting"            # the upload is not complete yet
    QUEUED = "queued"
    TRANSCRIBING = "transcribing"
    DONE = "done"
    FAILED = "failed"


class Recording(db.Model):
    """Audio to transcribe, and where its transcription job stands."""

    __table_args__ = (Index("ix_recording_visit", "visit_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=uuid.uuid4)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    source: Mapped[Source] = mapped_column(enum_column(Source))
    # A note's audio: deleting the attachment (or the note) deletes the recording and its transcript.
    attachment_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("attachment.id", ondelete="CASCADE"), unique=True)
    observation_id: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("observation.id", ondelete="CASCADE"), index=True)
    # An interview recording belongs to a visit; whom it records decides consent and erasure.
    visit_id: Mapped[int | None] = mapped_column(ForeignKey("site_visit.id", ondelete="CASCADE"))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), index=True)
    title: Mapped[str] = mapped_column(String(200), default="")
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    # The file of an interview recording (a note's audio is its attachment's file); indexed for storage.held().
    sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    size: Mapped[int | None] = mapped_column(BigInteger)
    mime: Mapped[str | None] = mapped_column(String(100))
    offset: Mapped[int] = mapped_column(BigInteger, default=0)
    upload: Mapped[UploadStatus] = mapped_column(enum_column(UploadStatus), default=UploadStatus.VERIFIED)
    duration_ms: Mapped[int | None] = mapped_column(BigInteger)
    # The job: its state, progress while transcribing, the reason it failed, how often it was tried.
    state: Mapped[JobState] = mapped_column(enum_column(JobState), default=JobState.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)  # percent of the audio transcribed
    failure: Mapped[str | None] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(default=0)
    # Which try owns the job now: a worker writes only while its token is the recording's
    # (a retry or a restarted worker takes a new one, so a stale worker's writes are refused).
    job_token: Mapped[str | None] = mapped_column(String(32))
    # The owning worker's last sign of life; a job silent longer than the lease is taken over.
    heartbeat_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    state_changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    study: Mapped[Study] = relationship()
    attachment: Mapped[Attachment | None] = relationship()
    visit: Mapped[SiteVisit | None] = relationship()
    participant: Mapped[Participant | None] = relationship()
    added_by: Mapped[User | None] = relationship()
    transcripts: Mapped[list["Transcript"]] = relationship(
        back_populates="recording", order_by="Transcript.id", cascade="all, delete-orphan",
        passive_deletes=True)


def recordings_holding(digests):
    """A recording names its file by its digest: an interview's own upload, or a note's audio (the note's file).
    Registered with storage.FILE_HOLDERS, so erasing a note's audio never deletes an interview's file."""
    return set(db.session.scalars(select(Recording.sha256).where(Recording.sha256.in_(digests)).distinct()))


if recordings_holding not in FILE_HOLDERS:
    FILE_HOLDERS.append(recordings_holding)


class Transcript(db.Model):
    """What a model heard in a recording; one per (recording, model), so a rerun cannot duplicate it."""

    __table_args__ = (UniqueConstraint("recording_id", "model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    recording_id: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("recording.id", ondelete="CASCADE"), index=True)
    study_id: Mapped[int] = mapped_column(ForeignKey("study.id", ondelete="CASCADE"), index=True)
    model: Mapped[str] = mapped_column(String(120))  # engine and model, with the model's SHA-256 prefix
    language: Mapped[str | None] = mapped_column(String(16))
    duration_ms: Mapped[int] = mapped_column(BigInteger, default=0)
    # The current version's number and text (segments joined by newlines): what search reads.
    version: Mapped[int] = mapped_column(default=1)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    recording: Mapped[Recording] = relationship(back_populates="transcripts")
    versions: Mapped[list["TranscriptVersion"]] = relationship(
        back_populates="transcript", order_by="TranscriptVersion.number", cascade="all, delete-orphan",
        passive_deletes=True)


# The full-text index is raw SQL made beside the table (fulltext.py), by db.create_all() too.
fulltext.listen(Transcript.__table__)


class TranscriptVersion(db.Model):
    """One version of a transcript: the engine's (no author) or a person's edit, who and when."""

    __table_args__ = (UniqueConstraint("transcript_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transcript_id: Mapped[int] = mapped_column(ForeignKey("transcript.id", ondelete="CASCADE"))
    number: Mapped[int]
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    transcript: Mapped[Transcript] = relationship(back_populates="versions")
    author: Mapped[User | None] = relationship()
    segments: Mapped[list["TranscriptSegment"]] = relationship(
        back_populates="version", order_by="TranscriptSegment.position", cascade="all, delete-orphan",
        passive_deletes=True)


class TranscriptSegment(db.Model):
    """A time-coded stretch of a version: its audio range and where its words sit in the version's text.

    start_char/end_char index the version's text (segments joined by one newline), so a highlight's
    text offsets map to audio time and back.
    """

    __table_args__ = (UniqueConstraint("version_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("transcript_version.id", ondelete="CASCADE"))
    position: Mapped[int]
    start_ms: Mapped[int] = mapped_column(BigInteger)
    end_ms: Mapped[int] = mapped_column(BigInteger)
    start_char: Mapped[int]
    end_char: Mapped[int]
    text: Mapped[str] = mapped_column(Text)

    version: Mapped[TranscriptVersion] = relationship(back_populates="segments")
