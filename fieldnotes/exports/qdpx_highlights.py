"""Highlights and transcripts in a REFI-QDA project.

A note's highlight is a PlainTextSelection of its source note's TextSource, coded with its own
touchpoint, role, kind, tags and insight, as a QDA tool codes a span it selected. A note's recording
(an AudioSource) carries its transcript as a `Transcript` (its words in sources/<guid>.txt) with a
`SyncPoint` at each segment's start and end (time in ms, position in the words), and each highlight
of it as a `TranscriptSelection` between two SyncPoints of its own, coded the same way. A visit's
interview recording is an AudioSource of its own (it is no note's), with its transcript and highlights
written the same way; the recorded participant's consent decides whether its sound and words go.

Decided once, before the notes are written (`placed`), so the answer is the same whichever page the
source and the highlight fall on: a highlight goes in as a selection only when its source goes in
with its words (live, consent for both notes' people) and still holds its words where the text file
has them (real names masked before it can shift them; anchors.py for edits). Otherwise it stays what
it is anyway, a note of its own, written as its own TextSource: nothing is dropped.
"""
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import aliased

from fieldnotes.exports.audience import refusal
from fieldnotes.exports.refi_qda import attrs, guid
from fieldnotes.extensions import db
from fieldnotes.highlights.anchors import anchor
from fieldnotes.highlights.models import Highlight
from fieldnotes.observations.models import Attachment, MediaStatus, Observation
from fieldnotes.observations.storage import served_path, stored_path
from fieldnotes.transcripts.models import (Recording, Source, Transcript, TranscriptSegment, TranscriptVersion,
                                           UploadStatus)
from fieldnotes.visits.consent import AUDIO, QUOTE


class Selection(NamedTuple):
    highlight_id: object
    source_id: object  # a source note's id; a note recording's attachment id; an interview's recording id
    start: int  # in the source's text file (its words, real names masked)
    end: int
    start_ms: int | None = None
    end_ms: int | None = None


def placed(study_id, audience, participants, guard):
    """{source note id: [Selection]} and the set of highlight note ids written as selections."""
    note, source = aliased(Observation), aliased(Observation)
    rows = db.session.execute(
        select(Highlight.observation_id, Highlight.source_note_id, Highlight.start, Highlight.end,
               note.text, note.participant_id, note.no_person, source.text.label("source_text"),
               source.participant_id.label("source_participant_id"), source.no_person.label("source_no_person"))
        .join(note, note.id == Highlight.observation_id).join(source, source.id == Highlight.source_note_id)
        .where(Highlight.study_id == study_id, note.deleted_at.is_(None), source.deleted_at.is_(None))
        .order_by(Highlight.source_note_id, Highlight.start, Highlight.observation_id)).all()
    by_source, ids = {}, set()
    for row in rows:
        if refusal(audience, QUOTE, participants.get(row.source_participant_id), row.source_no_person) or \
                refusal(audience, QUOTE, participants.get(row.participant_id), row.no_person):
            continue
        where = anchor(row.source_text, row.text, row.start, row.end)
        if where.stale:
            continue
        start = len(guard.mask(row.source_text[:where.start]))
        span = guard.mask(row.source_text[where.start:where.end])
        if guard.mask(row.source_text)[start:start + len(span)] != span:
            continue  # a real name masked across its edge: the span is not where the file says
        by_source.setdefault(row.source_note_id, []).append(
            Selection(row.observation_id, row.source_note_id, start, start + len(span)))
        ids.add(row.observation_id)
    for selection in [*transcript_selections(study_id, audience, participants, guard),
                      *interview_selections(study_id, audience, participants, guard)]:
        by_source.setdefault(selection.source_id, []).append(selection)
        ids.add(selection.highlight_id)
    return by_source, ids


def transcript_selections(study_id, audience, participants, guard):
    """The highlights of notes' transcripts whose recording goes in with its transcript (below)."""
    note, recorded = aliased(Observation), aliased(Observation)
    rows = db.session.execute(
        select(Highlight.observation_id, Highlight.start, Highlight.end, Highlight.audio_start_ms,
               Highlight.audio_end_ms, note.text, note.participant_id, note.no_person, Transcript.text.label("words"),
               Attachment, recorded.participant_id.label("recorded_participant_id"),
               recorded.no_person.label("recorded_no_person"))
        .join(note, note.id == Highlight.observation_id)
        .join(Transcript, Transcript.id == Highlight.transcript_id)
        .join(Recording, Recording.id == Transcript.recording_id)
        .join(Attachment, Attachment.id == Recording.attachment_id)
        .join(recorded, recorded.id == Recording.observation_id)
        .where(Highlight.study_id == study_id, note.deleted_at.is_(None), recorded.deleted_at.is_(None),
               Attachment.status == MediaStatus.VERIFIED, Highlight.audio_start_ms.is_not(None))
        .order_by(Recording.attachment_id, Highlight.start, Highlight.observation_id)).all()
    found = []
    for row in rows:
        speaker = participants.get(row.recorded_participant_id)
        if refusal(audience, AUDIO, speaker, row.recorded_no_person) or \
                refusal(audience, QUOTE, speaker, row.recorded_no_person) or \
                refusal(audience, QUOTE, participants.get(row.participant_id), row.no_person) or \
                not served_path(row.Attachment).is_file():
            continue
        if (selection := spoken_span(row, row.Attachment.id, guard)) is not None:
            found.append(selection)
    return found


def spoken_span(row, source_id, guard):
    """The Selection of a transcript's highlight where the words file has it, or None when it moved."""
    where = anchor(row.words, row.text, row.start, row.end)
    if where.stale:
        return None
    start, span = len(guard.mask(row.words[:where.start])), guard.mask(row.words[where.start:where.end])
    if guard.mask(row.words)[start:start + len(span)] != span:
        return None
    return Selection(row.observation_id, source_id, start, start + len(span), row.audio_start_ms, row.audio_end_ms)


def interviews(study_id):
    """The study's interview recordings with all their bytes here, oldest first (each an AudioSource)."""
    return db.session.scalars(select(Recording).where(
        Recording.study_id == study_id, Recording.source == Source.INTERVIEW,
        Recording.upload == UploadStatus.VERIFIED, Recording.sha256.is_not(None))
        .order_by(Recording.created_at, Recording.id)).all()


def interview_goes(recording, audience, participants):
    """Does this interview go with its transcript: its person's audio and words consented, its file here?
    The export writes it (qdpx.py) on the same answer, so a highlight is a selection only where it goes."""
    speaker = participants.get(recording.participant_id)
    return not (refusal(audience, AUDIO, speaker, False) or refusal(audience, QUOTE, speaker, False)) and \
        stored_path(recording.sha256).is_file()


def interview_selections(study_id, audience, participants, guard):
    """The highlights of interviews' current transcripts, for interviews that go with their transcript."""
    note = aliased(Observation)
    current = select(Transcript.id).where(Transcript.recording_id == Recording.id).order_by(
        Transcript.id.desc()).limit(1).correlate(Recording).scalar_subquery()
    rows = db.session.execute(
        select(Highlight.observation_id, Highlight.start, Highlight.end, Highlight.audio_start_ms,
               Highlight.audio_end_ms, note.text, note.participant_id, note.no_person, Transcript.text.label("words"),
               Recording)
        .join(note, note.id == Highlight.observation_id)
        .join(Transcript, Transcript.id == Highlight.transcript_id)
        .join(Recording, Recording.id == Transcript.recording_id)
        .where(Highlight.study_id == study_id, note.deleted_at.is_(None), Recording.source == Source.INTERVIEW,
               Recording.upload == UploadStatus.VERIFIED, Recording.sha256.is_not(None),
               Highlight.audio_start_ms.is_not(None), Transcript.id == current)
        .order_by(Recording.id, Highlight.start, Highlight.observation_id)).all()
    found, goes = [], {}
    for row in rows:
        if row.Recording.id not in goes:
            goes[row.Recording.id] = interview_goes(row.Recording, audience, participants)
        if not goes[row.Recording.id] or refusal(audience, QUOTE, participants.get(row.participant_id),
                                                 row.no_person):
            continue
        if (selection := spoken_span(row, row.Recording.id, guard)) is not None:
            found.append(selection)
    return found


def transcript_of(attachment_id=None, recording_id=None):
    """(Transcript, its current segments) of a note's recording (by its attachment) or an interview, or None."""
    which = Recording.id == recording_id if recording_id is not None else Recording.attachment_id == attachment_id
    transcript = db.session.scalar(select(Transcript).join(Recording, Recording.id == Transcript.recording_id)
                                   .where(which).order_by(Transcript.id.desc()).limit(1))
    if transcript is None:
        return None
    segments = db.session.scalars(select(TranscriptSegment).join(TranscriptVersion).where(
        TranscriptVersion.transcript_id == transcript.id, TranscriptVersion.number == transcript.version)
        .order_by(TranscriptSegment.position)).all()
    return transcript, segments


def transcript_xml(transcript, segments, words_of, selections, codes_of, pad="\t\t\t"):
    """(file name, words, XML) of a recording's Transcript: its SyncPoints and TranscriptSelections.

    `words_of(text)` is how words reach the file (real names masked); positions count in what it gives.
    """
    source = guid("transcript", transcript.id)
    words = words_of(transcript.text)
    points = [(guid("sync", f"{transcript.id}:{s.position}:{edge}"), ms, len(words_of(transcript.text[:char])))
              for s in segments for edge, ms, char in (("start", s.start_ms, s.start_char), ("end", s.end_ms, s.end_char))]
    spans = []
    for selection in selections:
        start, end = (guid("sync", f"highlight:{selection.highlight_id}:{edge}") for edge in ("start", "end"))
        points += [(start, selection.start_ms, selection.start), (end, selection.end_ms, selection.end)]
        codings = "".join(f"{pad}\t\t<Coding{attrs(guid=guid('coding', f'{source}:{selection.highlight_id}:{code}'))}>"
                          f"<CodeRef{attrs(targetGUID=code)}/></Coding>\n" for code in codes_of(selection.highlight_id))
        about = attrs(guid=guid("selection", selection.highlight_id), name="Highlight", fromSyncPoint=start,
                      toSyncPoint=end)
        spans.append(f"{pad}\t<TranscriptSelection{about}>\n{codings}{pad}\t</TranscriptSelection>\n")
    sync = "".join(f"{pad}\t<SyncPoint{attrs(guid=g, timeStamp=ms, position=at)}/>\n"
                   for g, ms, at in sorted(points, key=lambda p: (p[1], p[2])))
    about = attrs(guid=source, name="Transcript", plainTextPath=f"internal://{source}.txt")
    return f"{source}.txt", words, f"{pad}<Transcript{about}>\n{sync}{''.join(spans)}{pad}</Transcript>\n"


def selections_xml(source_guid, selections, codes_of, pad="\t\t\t"):
    """The PlainTextSelections of one TextSource; `codes_of(highlight id)` gives each one's code GUIDs."""
    parts = []
    for selection in selections:
        about = attrs(guid=guid("selection", selection.highlight_id), name="Highlight",
                      startPosition=selection.start, endPosition=selection.end)
        codings = "".join(f"{pad}\t<Coding{attrs(guid=guid('coding', f'{source_guid}:{selection.highlight_id}:{code}'))}>"
                          f"<CodeRef{attrs(targetGUID=code)}/></Coding>\n" for code in codes_of(selection.highlight_id))
        parts.append(f"{pad}<PlainTextSelection{about}>\n{codings}{pad}</PlainTextSelection>\n")
    return "".join(parts)
