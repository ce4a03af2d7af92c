"""The study archive's format, shared by the writer (exports) and the reader (imports): docs/archive.md.

Version 2 (this one) is a zip of:
  manifest.json     the format, app version, export time, study name, counts, and the SHA-256 and
                    size of every other file in the zip
  study.json        the study, its journey terms in order, tags, members as pseudonymous refs
  visits.jsonl      one visit a line
  participants.jsonl  one participant a line: pseudonym, role, organisation, consent (never a real name)
  notes.jsonl       one note a line, with its media and revisions
  insights.json     themes and insights (parents before children), with their notes
  boards.json       boards, their insights, picked evidence and reactions (never share links)
  accounts.json     the study's accounts (customer organisations) and the merges the team confirmed
  fieldkit.json     the visit kit: the brief, focus per role, visit plans, interpretation sessions and marks
  recordings.jsonl  one recording a line (a note's audio or a visit's interview), with its transcripts,
                    their versions and time-coded segments
  highlights.jsonl  one highlight a line: its note, its source (a note or a transcript), span, audio range
  media/<sha256>    one file per distinct photo or recording content (interview recordings' files too)

Version 1 had neither of the four files in the middle; a reader still takes it (docs/archive.md).

Inside the archive nothing is named by a database id: terms, tags and participants by name, the rest
by keys the export hands out ("visit-3", "note-17", "insight-2", "member-1"), so another server can
give everything its own ids. The same records, without who wrote what, are the canonical dump that
the round-trip test compares before export and after import.
"""
import hashlib
from datetime import UTC, date, datetime

from fieldnotes import version

FORMAT_1 = "fieldnotes.archive/1"
FORMAT = "fieldnotes.archive/2"
READABLE = (FORMAT_1, FORMAT)
APP_VERSION = version.APP_VERSION  # pyproject.toml's, written into every manifest

MANIFEST = "manifest.json"
STUDY = "study.json"
VISITS = "visits.jsonl"
PARTICIPANTS = "participants.jsonl"
NOTES = "notes.jsonl"
INSIGHTS = "insights.json"
BOARDS = "boards.json"
ACCOUNTS = "accounts.json"
FIELDKIT = "fieldkit.json"
RECORDINGS = "recordings.jsonl"
HIGHLIGHTS = "highlights.jsonl"
MEDIA_DIR = "media/"
DATA_FILES_1 = (STUDY, VISITS, PARTICIPANTS, NOTES, INSIGHTS, BOARDS)
DATA_FILES = (*DATA_FILES_1, ACCOUNTS, FIELDKIT, RECORDINGS, HIGHLIGHTS)
DATA_FILES_OF = {FORMAT_1: DATA_FILES_1, FORMAT: DATA_FILES}

# What a reader accepts before unpacking anything; a server may lower or raise them (config ARCHIVE_*).
LIMITS = {
    "ARCHIVE_MAX_FILES": 200_000,
    "ARCHIVE_MAX_BYTES": 20 * 1024 ** 3,   # everything unpacked together
    "ARCHIVE_MAX_RATIO": 200,              # unpacked / packed size of one file (a zip bomb's is ~1000)
    "ARCHIVE_MAX_UPLOAD": 2 * 1024 ** 3,   # the uploaded zip, on the import page
}
RATIO_FLOOR = 64 * 1024  # files smaller than this may compress as well as they like

# Who wrote or did what: members of the exporting server, whom the importing server does not know.
AUTHORSHIP = frozenset({"author", "researchers", "members", "merged_by", "undone_by", "updated_by", "started_by",
                        "closed_by", "attendees", "marked_by", "added_by", "created_by"})
# What only the exporting server can read: a participant's erasure key (a hash of its id there, which
# an import compares with its erasure ledger). Another server gives other ids, so the dump leaves it out.
SERVER_LOCAL = frozenset({"erasure_key"})


def limits(config):
    return {name: int(config.get(name, default)) for name, default in LIMITS.items()}


def media_name(sha256):
    return f"{MEDIA_DIR}{sha256}"


def moment(value):
    """A time as ISO 8601 in UTC; SQLite hands times back without their zone, and they are UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return (value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def parse_moment(value):
    return datetime.fromisoformat(value) if value is not None else None


def parse_day(value):
    return date.fromisoformat(value) if value is not None else None


def without_authorship(record):
    """A record without who wrote what: what stays the same on a server that never knew them."""
    if isinstance(record, dict):
        return {k: without_authorship(v) for k, v in record.items() if k not in AUTHORSHIP | SERVER_LOCAL}
    if isinstance(record, list):
        return [without_authorship(v) for v in record]
    return record


def erasure_key(study_id, participant_id, created_stamp):
    """Who a participant is in this server's erasure ledger (visits/ledger.py), as one opaque hash.

    The ledger names a participant by study id, participant id and creation time; the archive carries
    this hash of the three instead, so an import can tell that the ledger erased them since the archive
    was made, without the file holding a database id.
    """
    return hashlib.sha256(f"{study_id}:{participant_id}:{created_stamp}".encode()).hexdigest()
