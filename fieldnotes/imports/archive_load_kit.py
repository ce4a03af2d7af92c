"""Writing what format 2 added to a study archive: accounts and their merges, the visit kit, recordings
with their transcripts, and highlights. Each function takes the Loader (archive_load.py), whose maps
turn the archive's keys into this server's ids. Callers commit.

Who edited, attended or marked is authorship: the importer is the author here, as of the notes;
session attendees are people of the exporting server and are not carried over.
"""
import uuid

from sqlalchemy import select

from fieldnotes.exports import archive_format as fmt
from fieldnotes.exports.archive_fieldkit import SESSION_COUNTS
from fieldnotes.extensions import db
from fieldnotes.fieldkit.models import InterpretationSession, NoteMark, RoleFocus, StudyBrief, VisitPlan
from fieldnotes.highlights.models import Highlight
from fieldnotes.observations.models import Attachment, MediaStatus, Slot
from fieldnotes.organisations import service as accounts
from fieldnotes.organisations.models import Organisation, OrganisationMerge
from fieldnotes.studies.models import Role, Touchpoint
from fieldnotes.transcripts import work
from fieldnotes.transcripts.models import (JobState, Recording, Source, Transcript, TranscriptSegment,
                                           TranscriptVersion)

ATTACHMENT_CHUNK = 500  # ids in one IN (...): SQLite allows only so many parameters
SEGMENT_FIELDS = ("position", "start_ms", "end_ms", "start_char", "end_char", "text")


class Bad(Exception):
    """A record the format does not allow (archive_load turns it into a Refused with where it is)."""


# Accounts

def load_accounts(loader, data):
    for record in data["accounts"]:
        # An empty study chosen to take the archive may have accounts already: one of the same name is it.
        account = accounts.named(loader.study.id, record["name"]) or Organisation(study_id=loader.study.id)
        for field in accounts.ACCOUNT_FIELDS:
            setattr(account, field, str(record[field]))
        account.created_at = fmt.parse_moment(record["created_at"])
        db.session.add(account)
        db.session.flush()
        loader.accounts[record["key"]] = account


def account_of(loader, key):
    if key is None:
        return None
    if key not in loader.accounts:
        raise Bad(f"names an account the archive does not have ({str(key)[:80]!r})")
    return loader.accounts[key]


def load_merges(loader, records):
    for record in records:
        kept = account_of(loader, record["kept"])
        merged = record["merged"]
        undone_at = fmt.parse_moment(record["undone_at"])
        db.session.add(OrganisationMerge(
            study_id=loader.study.id, kept_id=kept.id if kept else None, kept_name=record["kept_name"],
            merged_name=record["merged_name"],
            # The undo data again, with this server's ids for what moved.
            merged={**{f: str(merged[f]) for f in accounts.ACCOUNT_FIELDS}, "id": None,
                    "visit_ids": sorted(loader.lookup("visit", v) for v in merged["visits"]),
                    "participant_ids": sorted(loader.lookup("participant", p) for p in merged["participants"])},
            visits=int(record["visits"]), participants=int(record["participants"]), notes=int(record["notes"]),
            merged_by=loader.owner.id, merged_at=fmt.parse_moment(record["merged_at"]),
            undone_by=loader.owner.id if undone_at else None, undone_at=undone_at))


# The visit kit

def load_fieldkit(loader, data):
    if data["brief"] is not None:
        brief = db.session.get(StudyBrief, loader.study.id) or StudyBrief(study_id=loader.study.id)
        brief.goal, brief.hypotheses = str(data["brief"]["goal"]), str(data["brief"]["hypotheses"])
        brief.updated_at, brief.updated_by_id = fmt.parse_moment(data["brief"]["updated_at"]), loader.owner.id
        db.session.add(brief)
    for focus in data["focus"]:
        db.session.add(RoleFocus(role_id=loader.lookup("role", focus["role"]), study_id=loader.study.id,
                                 questions=str(focus["questions"]), watch_for=str(focus["watch_for"])))
    for plan in data["plans"]:
        db.session.add(VisitPlan(
            visit_id=loader.lookup("visit", plan["visit"]), study_id=loader.study.id, who=str(plan["who"]),
            learn=str(plan["learn"]), updated_at=fmt.parse_moment(plan["updated_at"]),
            roles=[db.session.get(Role, loader.lookup("role", name)) for name in plan["roles"]],
            touchpoints=[db.session.get(Touchpoint, loader.lookup("touchpoint", name))
                         for name in plan["touchpoints"]]))
    for record in data["sessions"]:
        load_session(loader, record)


def load_session(loader, record):
    closed_at = fmt.parse_moment(record["closed_at"])
    session = InterpretationSession(
        visit_id=loader.lookup("visit", record["visit"]), study_id=loader.study.id,
        started_at=fmt.parse_moment(record["started_at"]), started_by_id=loader.owner.id, closed_at=closed_at,
        closed_by_id=loader.owner.id if closed_at else None, summary=str(record["summary"]),
        **{count: int(record[count]) for count in SESSION_COUNTS})
    session.marks = [NoteMark(observation_id=loader.note(mark["note"]), mark=mark["mark"],
                              context=str(mark["context"]), marked_by_id=loader.owner.id,
                              marked_at=fmt.parse_moment(mark["marked_at"])) for mark in record["marks"]]
    db.session.add(session)


# Recordings, transcripts, highlights

def load_recording(loader, record):
    if record["key"] in loader.recordings:
        raise Bad(f"repeats the recording key {record['key']!r}")
    source = Source(record["source"])
    recording = Recording(
        id=uuid.uuid4(), study_id=loader.study.id, source=source, title=str(record["title"]),
        visit_id=loader.lookup("visit", record["visit"]),
        participant_id=loader.lookup("participant", record["participant"]),
        added_by_id=loader.owner.id, sha256=record["sha256"], size=record["size"], mime=record["mime"],
        offset=record["size"] or 0, duration_ms=record["duration_ms"], attempts=0,
        created_at=fmt.parse_moment(record["created_at"]), state_changed_at=fmt.parse_moment(record["created_at"]))
    if source == Source.NOTE:
        recording.observation_id = loader.note(record["note"])
        recording.attachment_id = loader.media.get((record["note"], record["media"]))
        if recording.attachment_id is None:
            raise Bad(f"is the audio of note {record['note']!r}, which has no such recording")
    elif record["sha256"] not in loader.unpacked.digests:
        raise Bad(f"is an interview whose file media/{record['sha256']} is not in the archive")
    db.session.add(recording)
    db.session.flush()
    loader.recordings[record["key"]] = recording.id
    for data in record["transcripts"]:
        loader.transcripts[(record["key"], data["model"])] = load_transcript(loader, recording, data)
    settle_job(recording, record)


def load_transcript(loader, recording, data):
    transcript = Transcript(
        recording_id=recording.id, study_id=loader.study.id, model=str(data["model"]), language=data["language"],
        duration_ms=int(data["duration_ms"]), version=int(data["version"]), text=str(data["text"]),
        created_at=fmt.parse_moment(data["created_at"]), updated_at=fmt.parse_moment(data["updated_at"]))
    transcript.versions = [TranscriptVersion(
        number=int(v["number"]), author_id=loader.owner.id if v["by_person"] else None, text=str(v["text"]),
        created_at=fmt.parse_moment(v["created_at"]),
        segments=[TranscriptSegment(**{f: s[f] for f in SEGMENT_FIELDS}) for s in v["segments"]])
        for v in data["versions"]]
    db.session.add(transcript)
    db.session.flush()
    return transcript.id


def settle_job(recording, record):
    """Done with its transcript; failed with its reason (the page offers a retry); anything else is
    queued again, sent to this server's worker once the import commits."""
    if record["transcripts"]:
        recording.state, recording.progress = JobState.DONE, 100
    elif record["state"] == JobState.FAILED:
        recording.state, recording.failure = JobState.FAILED, str(record["failure"] or "")
    else:
        work.queue(recording)


def queue_note_audio(loader):
    """A format 1 archive knows no recordings: each note's verified audio is transcribed here afresh."""
    media = list(loader.media.values())
    for start in range(0, len(media), ATTACHMENT_CHUNK):
        for row in db.session.execute(select(Attachment.id, Attachment.observation_id, Attachment.sha256,
                                             Attachment.size, Attachment.mime, Attachment.created_at)
                                      .where(Attachment.id.in_(media[start:start + ATTACHMENT_CHUNK]),
                                             Attachment.slot == Slot.AUDIO,
                                             Attachment.status == MediaStatus.VERIFIED)).all():
            queue_voice_note(loader, row)


def queue_voice_note(loader, row):
    recording = Recording(study_id=loader.study.id, source=Source.NOTE, attachment_id=row.id,
                          observation_id=row.observation_id, added_by_id=loader.owner.id, sha256=row.sha256,
                          size=row.size, mime=row.mime, created_at=row.created_at)
    db.session.add(recording)
    db.session.flush()
    work.queue(recording)


def load_highlight(loader, record):
    transcript = record["transcript"]
    transcript_id = None
    if transcript is not None:
        transcript_id = loader.transcripts.get((transcript["recording"], transcript["model"]))
        if transcript_id is None:
            raise Bad("names a transcript the archive does not have")
    source_note = loader.note(record["source_note"]) if record["source_note"] is not None else None
    if (source_note is None) == (transcript_id is None):
        raise Bad("needs exactly one source: a note or a transcript")
    db.session.add(Highlight(
        observation_id=loader.note(record["note"]), study_id=loader.study.id, source_note_id=source_note,
        transcript_id=transcript_id, start=int(record["start"]), end=int(record["end"]),
        source_version=int(record["source_version"]), audio_start_ms=record["audio_start_ms"],
        audio_end_ms=record["audio_end_ms"], created_by_id=loader.owner.id,
        created_at=fmt.parse_moment(record["created_at"])))
