"""Writing a study archive: the zip docs/archive.md describes, streamed to a file.

Each member file is written through a hashing writer, so the manifest's SHA-256 and sizes are those
of the bytes in the zip, and no file (notes.jsonl of 100,000 notes, a recording) is held in memory.
"""
import hashlib
import json
import os
import tempfile
import zipfile
from datetime import UTC, datetime

from fieldnotes.exports import archive_format as fmt
from fieldnotes.exports.archive_accounts import accounts_record
from fieldnotes.exports.archive_fieldkit import fieldkit_record
from fieldnotes.exports.archive_records import (Keys, board_records, insight_records, note_records,
                                                participant_records, served_file, study_record,
                                                visit_records)
from fieldnotes.exports.archive_transcripts import highlight_records, interview_file, recording_records
from fieldnotes.extensions import db
from fieldnotes.observations.storage import stored_path
from fieldnotes.studies.models import Study

COPY_CHUNK = 1024 * 1024


class HashingWriter:
    """A member of the zip being written, counting and hashing what goes in."""

    def __init__(self, archive, name, compress=zipfile.ZIP_DEFLATED):
        info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
        info.compress_type = compress
        self.stream = archive.open(info, "w", force_zip64=True)
        self.digest, self.size = hashlib.sha256(), 0

    def write(self, data):
        self.digest.update(data)
        self.size += len(data)
        self.stream.write(data)

    def close(self):
        self.stream.close()
        return {"sha256": self.digest.hexdigest(), "size": self.size}


def encoded(record):
    return json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode() + b"\n"


class ArchiveWriter:
    def __init__(self, archive):
        self.archive = archive
        self.files = {}

    def json_file(self, name, record):
        writer = HashingWriter(self.archive, name)
        writer.write(encoded(record))
        self.files[name] = writer.close()

    def lines_file(self, name, records):
        writer, count = HashingWriter(self.archive, name), 0
        for record in records:
            writer.write(encoded(record))
            count += 1
        self.files[name] = writer.close()
        return count

    def media_file(self, sha256):
        """The stored file, copied as is (photos and audio are compressed already)."""
        name = fmt.media_name(sha256)
        if name in self.files:
            return
        writer = HashingWriter(self.archive, name, zipfile.ZIP_STORED)
        with open(stored_path(sha256), "rb") as source:
            while chunk := source.read(COPY_CHUNK):
                writer.write(chunk)
        self.files[name] = writer.close()


def write_archive(study_id, out):
    """Write the study's archive to `out` (a path or a binary file); returns the manifest."""
    study = db.session.get(Study, study_id)
    keys = Keys(study_id)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, allowZip64=True) as archive:
        writer = ArchiveWriter(archive)
        record = study_record(study, keys)
        writer.json_file(fmt.STUDY, record)
        counts = {"touchpoints": len(record["touchpoints"]), "roles": len(record["roles"]),
                  "tags": len(record["tags"]), "members": len(record["members"])}
        counts["visits"] = writer.lines_file(fmt.VISITS, visit_records(keys))
        counts["participants"] = writer.lines_file(fmt.PARTICIPANTS, participant_records(keys))
        media = set()
        counts["notes"] = writer.lines_file(fmt.NOTES, noting_media(note_records(keys), media))
        insights = insight_records(keys)
        writer.json_file(fmt.INSIGHTS, {"insights": insights})
        boards = board_records(keys)
        writer.json_file(fmt.BOARDS, {"boards": boards})
        counts |= {"insights": len(insights), "boards": len(boards)}
        accounts = accounts_record(keys)
        writer.json_file(fmt.ACCOUNTS, accounts)
        counts |= {"accounts": len(accounts["accounts"]), "account_merges": len(accounts["merges"])}
        fieldkit = fieldkit_record(keys)
        writer.json_file(fmt.FIELDKIT, fieldkit)
        counts |= {"visit_plans": len(fieldkit["plans"]), "interpretation_sessions": len(fieldkit["sessions"])}
        counts["recordings"] = writer.lines_file(fmt.RECORDINGS, noting_interviews(recording_records(keys), media))
        counts["highlights"] = writer.lines_file(fmt.HIGHLIGHTS, highlight_records(keys))
        counts["media"] = 0
        for sha256 in sorted(media):
            if stored_path(sha256).is_file():  # a photo still uploading has no file yet
                writer.media_file(sha256)
                counts["media"] += 1
        manifest = {"format": fmt.FORMAT, "app_version": fmt.APP_VERSION,
                    "exported_at": fmt.moment(datetime.now(UTC)), "study": {"name": study.name},
                    "counts": counts, "files": writer.files}
        archive.writestr(fmt.MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1))
    return manifest


def noting_media(records, media):
    """Pass the note records through, collecting the files their media need."""
    for record in records:
        media.update(served_file(m) for m in record["media"])
        yield record


def noting_interviews(records, media):
    """Pass the recording records through, collecting the interview files they need."""
    for record in records:
        if file := interview_file(record):
            media.add(file)
        yield record


def archive_to_tempfile(study_id):
    """The archive in an unnamed temporary file, rewound: a download streams it, then it is gone."""
    out = tempfile.TemporaryFile(prefix="fieldnotes-archive-")
    try:
        write_archive(study_id, out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return out


def archive_name(study):
    safe = "".join(c if c.isalnum() else "-" for c in study.name.lower()).strip("-")[:60] or "study"
    return f"{safe}-{datetime.now(UTC):%Y%m%d}.fieldnotes.zip"


def write_archive_file(study_id, path):
    """For the command: written beside `path` then moved, so a failed export leaves no half file."""
    directory = os.path.dirname(os.path.abspath(path))
    handle, partial = tempfile.mkstemp(dir=directory, prefix=".archive-", suffix=".partial")
    try:
        with os.fdopen(handle, "wb") as out:
            manifest = write_archive(study_id, out)
        os.replace(partial, path)
    finally:
        if os.path.exists(partial):
            os.unlink(partial)
    return manifest
