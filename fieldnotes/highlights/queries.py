"""Reading highlights for pages and exports: a source's highlights, a highlight's source, a page's links."""
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import aliased

from fieldnotes.extensions import db
from fieldnotes.highlights.anchors import anchor
from fieldnotes.highlights.models import Highlight
from fieldnotes.observations.models import Attachment, MediaStatus, Observation
from fieldnotes.transcripts.models import Recording, Source, Transcript, UploadStatus


# The notes' table under other names, made once: an alias of a wide model builds a proxy for each of its columns,
# 1.5 ms a call, on every browse page, for a query that takes 0.4 ms.
HIGHLIGHT_NOTE = aliased(Observation, name="highlight_note")
SOURCE_NOTE = aliased(Observation, name="source_note")
RECORDED_NOTE = aliased(Observation, name="recorded_note")  # a transcript's highlight: the note with the audio


class Link(NamedTuple):
    """What a list of notes says of one that is a highlight: of which note (or transcript), where in it now."""
    source_id: object  # the source note's id, or None for a transcript's highlight
    start: int
    end: int
    stale: bool
    source_deleted: bool
    transcript_id: object = None
    audio: tuple | None = None  # (start ms, end ms) of a transcript's span


class Made(NamedTuple):
    """A highlight's note page: the link, its source note or transcript as it is now, where the span is."""
    highlight: Highlight
    source: Observation | None
    transcript: Transcript | None
    where: object
    text: str


def of_source(source):
    """The live highlights made from this note, in the order of their place in it: [(Highlight, note, anchor)]."""
    return placed(Highlight.source_note_id == source.id, source.text)


def of_transcript(transcript):
    """The live highlights made from this transcript, in the order of their place in it."""
    return placed(Highlight.transcript_id == transcript.id, transcript.text)


def placed(made_from, text):
    """The live highlights `made_from` a source whose text is now `text`, each anchored in it, stale ones last."""
    rows = db.session.execute(select(Highlight, Observation).join(
        Observation, Observation.id == Highlight.observation_id).where(
        made_from, Observation.deleted_at.is_(None))).all()
    found = [(h, note, anchor(text, note.text, h.start, h.end)) for h, note in rows]
    return sorted(found, key=lambda item: (item[2].stale, item[2].start, item[2].end))


def highlight_of(note):
    """Made when this note is a highlight, else None."""
    highlight = db.session.get(Highlight, note.id)
    if highlight is None:
        return None
    text = (highlight.source.text if highlight.source else highlight.transcript.text) or ""
    return Made(highlight, highlight.source, highlight.transcript,
                anchor(text, note.text, highlight.start, highlight.end), text)


def links(note_ids):
    """{note id: Link} for the highlights among these notes: one query for a page or an export chunk."""
    if not note_ids:
        return {}
    note, source = HIGHLIGHT_NOTE, SOURCE_NOTE
    rows = db.session.execute(
        select(Highlight.observation_id, Highlight.source_note_id, Highlight.transcript_id, Highlight.start,
               Highlight.end, Highlight.audio_start_ms, Highlight.audio_end_ms, note.text,
               source.text.label("source_text"), source.deleted_at, Transcript.text.label("transcript_text"))
        .join(note, note.id == Highlight.observation_id)
        .outerjoin(source, source.id == Highlight.source_note_id)
        .outerjoin(Transcript, Transcript.id == Highlight.transcript_id)
        .where(Highlight.observation_id.in_(list(note_ids)))).all()
    found = {}
    for row in rows:
        text = row.source_text if row.source_note_id else row.transcript_text
        where = anchor(text, row.text, row.start, row.end)
        audio = (row.audio_start_ms, row.audio_end_ms) if row.transcript_id else None
        found[row.observation_id] = Link(row.source_note_id, where.start, where.end, where.stale,
                                         row.deleted_at is not None, row.transcript_id, audio)
    return found


class Clip(NamedTuple):
    """A transcript highlight's audio as board evidence: the recording's file and the range to play."""
    media_id: object  # a note's recording: its attachment's id; an interview recording: the recording's id
    start: float  # seconds
    end: float
    participant_id: int | None  # whose voice: the recorded note's person, or the interview's (consent for the sound)
    no_person: bool
    interview: bool = False  # a visit's recording: no note carries it, so the board serves the recording's file
    mime: str = ""


def clips(note_ids):
    """{highlight note id: Clip} for the highlights among these notes that are spans of a recording whose
    audio is stored: a note's audio (its attachment verified, the note live) or a visit's interview
    recording (all its bytes here and checked)."""
    if not note_ids:
        return {}
    ids = list(note_ids)
    return {**note_clips(ids), **interview_clips(ids)}


def note_clips(note_ids):
    recorded = RECORDED_NOTE
    rows = db.session.execute(
        select(Highlight.observation_id, Highlight.audio_start_ms, Highlight.audio_end_ms, Recording.attachment_id,
               recorded.participant_id, recorded.no_person, Attachment.mime)
        .join(Transcript, Transcript.id == Highlight.transcript_id)
        .join(Recording, Recording.id == Transcript.recording_id)
        .join(Attachment, Attachment.id == Recording.attachment_id)
        .join(recorded, recorded.id == Recording.observation_id)
        .where(Highlight.observation_id.in_(note_ids), Attachment.status == MediaStatus.VERIFIED,
               recorded.deleted_at.is_(None), Highlight.audio_start_ms.is_not(None))).all()
    return {row.observation_id: Clip(row.attachment_id, row.audio_start_ms / 1000, row.audio_end_ms / 1000,
                                     row.participant_id, row.no_person, False, row.mime) for row in rows}


def interview_clips(note_ids):
    """An interview's voice is its recorded participant's; with none on record nobody consented to it."""
    rows = db.session.execute(
        select(Highlight.observation_id, Highlight.audio_start_ms, Highlight.audio_end_ms, Recording.id,
               Recording.participant_id, Recording.mime)
        .join(Transcript, Transcript.id == Highlight.transcript_id)
        .join(Recording, Recording.id == Transcript.recording_id)
        .where(Highlight.observation_id.in_(note_ids), Recording.source == Source.INTERVIEW,
               Recording.upload == UploadStatus.VERIFIED, Recording.sha256.is_not(None),
               Highlight.audio_start_ms.is_not(None))).all()
    return {row.observation_id: Clip(row.id, row.audio_start_ms / 1000, row.audio_end_ms / 1000,
                                     row.participant_id, False, True, row.mime or "") for row in rows}


def interview_recording(recording_id):
    """The interview recording a board clip plays, when its file is complete; else None."""
    recording = db.session.get(Recording, recording_id)
    if recording is None or recording.source != Source.INTERVIEW or recording.upload != UploadStatus.VERIFIED:
        return None
    return recording
