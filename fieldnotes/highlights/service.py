"""Making a highlight: a span of a note becomes a note of its own, written like any other note.

A span of a transcript likewise, with the audio range it was said in.

The new note is written through observations/changes.py (write_new_notes), so it takes the next change
number, is counted in the study's summaries, indexed for search, pulled by phones and versioned like any
note. From its source it takes what the span cannot change: who said it (participant), where (visit),
when (captured), and whether it is a person's words at all (no_person), so consent decides for the
highlight exactly as for the words it came from. Its kind, touchpoint, role and tags are its own.
Callers commit (inside writer_turn on SQLite).
"""
import uuid

from sqlalchemy import select

from fieldnotes.errors import NotFound, Refused
from fieldnotes.extensions import db
from fieldnotes.highlights.anchors import raw_offset, trimmed
from fieldnotes.highlights.models import Highlight
from fieldnotes.observations import changes
from fieldnotes.observations.models import TEXT_MAX, Observation
from fieldnotes.observations.service import scope_errors
from fieldnotes.transcripts.models import Transcript, TranscriptSegment, TranscriptVersion


def live_source(study_id, note_id):
    """The study's live note, or NotFound (another study's note, and a deleted one, look like none)."""
    note = db.session.scalar(select(Observation).where(
        Observation.id == note_id, Observation.study_id == study_id, Observation.deleted_at.is_(None)))
    if note is None:
        raise NotFound("No such note in this study.")
    return note


def span_of(source, start, end, from_form=True, whole_allowed=False):
    """The span's (start, end) in the source's own text, edges trimmed. :raise Refused: with why.

    `source` is a note or a transcript (anything with .text). `from_form`: the offsets count the text
    as a browser's form field holds it (line ends as LF).
    """
    text = source.text or ""
    if from_form:
        start, end = raw_offset(text, start), raw_offset(text, end)
    if not 0 <= start < end <= len(text):
        raise Refused("Choose some words of the note.", {"span": [
            "Select the words to highlight first: the selection is empty or outside the note's text."]})
    start, end = trimmed(text, start, end)
    if start == end:
        raise Refused("Choose some words of the note.", {"span": ["The selection holds only spaces: select words."]})
    if end - start > TEXT_MAX:
        raise Refused("The selection is too long.", {"span": [f"A highlight is at most {TEXT_MAX} characters."]})
    # A note highlighted whole is the same evidence twice; a short recording's transcript may well be one quote.
    if not whole_allowed and (start, end) == trimmed(text, 0, len(text)):
        raise Refused("That is the whole note.", {"span": [
            "The selection is the whole note: it is evidence already. Select a part of it."]})
    return start, end


def make_highlight(source, start, end, fields, author_id, from_form=True):
    """A new note holding exactly source.text[start:end], linked to its source. Returns the Highlight.

    `fields`: kind, touchpoint_id, role_id (ids of this study), tags (names).
    :raise Refused: a bad span or a journey term of another study; nothing written.
    """
    start, end = span_of(source, start, end, from_form)
    errors = scope_errors(source.study_id, fields)
    if errors:
        raise Refused("Check the highlighted fields.", errors)
    note_id = uuid.uuid4()
    data = {"study_id": source.study_id, "kind": fields["kind"], "text": source.text[start:end], "expected": None,
            "touchpoint_id": fields.get("touchpoint_id"), "role_id": fields.get("role_id"),
            "participant_id": source.participant_id, "visit_id": source.visit_id, "no_person": source.no_person,
            "captured_at": source.captured_at, "tags": list(fields.get("tags", [])), "media": []}
    return write(note_id, data, author_id, Highlight(
        observation_id=note_id, study_id=source.study_id, source_note_id=source.id, start=start, end=end,
        source_version=source.version, created_by_id=author_id))


def write(note_id, data, author_id, highlight):
    changes.lock_counter()
    changes.write_new_notes(author_id, None, [(note_id, data)])
    db.session.add(highlight)
    db.session.flush()
    return highlight


def live_transcript(study_id, transcript_id):
    """The study's transcript whose recording is live (a deleted note's recording is none). :raise NotFound:"""
    transcript = db.session.get(Transcript, transcript_id)
    if transcript is None or transcript.study_id != study_id:
        raise NotFound("No such transcript in this study.")
    recording = transcript.recording
    if recording.observation_id is not None:
        note = db.session.get(Observation, recording.observation_id)
        if note is None or note.deleted_at is not None:
            raise NotFound("No such transcript in this study.")
    return transcript


def said_by(recording):
    """(participant id, visit id, no_person, captured_at) a transcript's highlight takes from its recording:
    a note's recording, from its note; an interview, from the recording (whom it records)."""
    if recording.observation_id is not None:
        note = db.session.get(Observation, recording.observation_id)
        return note.participant_id, note.visit_id, note.no_person, note.captured_at
    return recording.participant_id, recording.visit_id, False, recording.created_at


def audio_range(segments, start, end):
    """(start ms, end ms) in the recording of the characters [start, end) of the transcript's text.

    Each segment says when its words were said and where they sit in the text; within a segment the
    time is taken in proportion to the characters (speech runs at a roughly even pace within a few
    seconds), rounded outwards to whole tenths of a second so the clip never cuts a word's edge off.
    """
    def moment(at, outwards):
        for segment in segments:
            if segment.start_char <= at <= segment.end_char:
                length = max(segment.end_char - segment.start_char, 1)
                share = (at - segment.start_char) / length
                ms = segment.start_ms + share * (segment.end_ms - segment.start_ms)
                return int(-(-ms // 100) * 100) if outwards > 0 else int(ms // 100 * 100)
        # Between segments (the line break joining two): the next one's start, or the last one's end.
        later = [s for s in segments if s.start_char > at]
        return later[0].start_ms if later else segments[-1].end_ms
    return moment(start, -1), moment(end, 1)


def make_transcript_highlight(transcript, start, end, fields, author_id, from_form=True):
    """A new note holding exactly transcript.text[start:end], with the audio range it was said in.

    :raise Refused: a bad span, a transcript with no segments, or a journey term of another study.
    """
    start, end = span_of(transcript, start, end, from_form, whole_allowed=True)
    errors = scope_errors(transcript.study_id, fields)
    if errors:
        raise Refused("Check the highlighted fields.", errors)
    segments = db.session.scalars(select(TranscriptSegment).join(TranscriptVersion).where(
        TranscriptVersion.transcript_id == transcript.id, TranscriptVersion.number == transcript.version)
        .order_by(TranscriptSegment.position)).all()
    if not segments:
        raise Refused("Nothing was said.", {"span": ["This transcript has no time-coded words to highlight."]})
    audio_start, audio_end = audio_range(segments, start, end)
    participant_id, visit_id, no_person, captured_at = said_by(transcript.recording)
    note_id = uuid.uuid4()
    data = {"study_id": transcript.study_id, "kind": fields["kind"], "text": transcript.text[start:end],
            "expected": None, "touchpoint_id": fields.get("touchpoint_id"), "role_id": fields.get("role_id"),
            "participant_id": participant_id, "visit_id": visit_id, "no_person": no_person,
            "captured_at": captured_at, "tags": list(fields.get("tags", [])), "media": []}
    return write(note_id, data, author_id, Highlight(
        observation_id=note_id, study_id=transcript.study_id, transcript_id=transcript.id, start=start, end=end,
        source_version=transcript.version, audio_start_ms=audio_start, audio_end_ms=audio_end,
        created_by_id=author_id))


