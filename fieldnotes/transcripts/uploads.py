"""Interview recordings added to a visit: declared, uploaded in chunks at an offset, verified, queued.

The same resumable protocol phones use for a note's media (sync/media.py), for files up to two
hours of audio: the browser declares the file (its SHA-256, size and type), sends chunks at the
offset the server holds, and may stop at any point (a dropped connection, a closed laptop) and go
on later from that offset; declaring the same file again on the same visit answers the same upload.
When the last byte arrives, the file is checked against its SHA-256 with no lock held, stored by
its digest as media are, and the recording queued for transcription in the same transaction.
Whether it decodes, and whether it is over two hours, the job says (decoding is sandboxed there).
"""
import hashlib
import os
import secrets
import uuid

from sqlalchemy import select, update

from fieldnotes.errors import Conflict, NotFound, Refused
from fieldnotes.extensions import db
from fieldnotes.observations import changes
from fieldnotes.observations.storage import partial_path, stored_path
from fieldnotes.transcripts import work
from fieldnotes.transcripts.models import JobState, Recording, Source, UploadStatus
from fieldnotes.writers import writer_turn

CHUNK_MAX = 4 * 1024 * 1024
# Two hours of audio as phones and laptops record it (AAC or Opus at up to 256 kbit/s is 230 MB);
# an uncompressed WAV of two hours (1.3 GB) is refused: send it compressed.
MAX_BYTES = 400 * 1024 * 1024
AUDIO_TYPES = {"audio/webm", "audio/ogg", "audio/mp4", "audio/mpeg", "audio/aac", "audio/wav", "audio/x-wav",
               "audio/wave", "audio/flac", "audio/x-m4a", "audio/m4a", "video/mp4", "video/webm", "audio/mp3",
               "audio/3gpp", "video/quicktime"}
START_AGAIN = " Nothing was kept; add the recording again."


class OffsetMismatch(Conflict):
    def __init__(self, offset):
        super().__init__(f"The upload is at byte {offset}; send from there.")
        self.offset = offset


def base_mime(mime):
    return (mime or "").split(";")[0].strip().lower()


def declare(user, visit, data):
    """(recording, created): a new upload, or the unfinished (or finished) one of the same file."""
    mime = base_mime(data["mime"])
    if mime not in AUDIO_TYPES:
        raise Refused(f"A recording must be an audio file (MP3, M4A, WebM, Ogg, WAV, FLAC); this is {mime}.")
    if data["size"] > MAX_BYTES:
        raise Refused(f"The file is {data['size'] / 1024 / 1024:.0f} MB; recordings may be up to "
                      f"{MAX_BYTES // 1024 // 1024} MB (two hours, compressed). Save it as M4A or MP3 first.")
    if data["size"] == 0:
        raise Refused("The file is empty.")
    with writer_turn():
        existing = db.session.scalar(select(Recording).where(
            Recording.visit_id == visit.id, Recording.sha256 == data["sha256"], Recording.size == data["size"],
            Recording.added_by_id == user.id).order_by(Recording.created_at.desc()).limit(1))
        if existing is not None:
            db.session.commit()
            return existing, False
        recording = Recording(id=uuid.uuid4(), study_id=visit.study_id, source=Source.INTERVIEW, visit_id=visit.id,
                              participant_id=data.get("participant_id"), title=data["title"], added_by_id=user.id,
                              sha256=data["sha256"], size=data["size"], mime=mime, offset=0,
                              upload=UploadStatus.PENDING, state=JobState.WAITING)
        db.session.add(recording)
        db.session.commit()
        return recording, True


def append(recording_id, offset, chunk):
    """Write `chunk` at `offset`; when the file is whole, verify and queue it. Returns the recording."""
    with writer_turn():
        recording = lock(recording_id)
        if recording.upload == UploadStatus.PENDING:
            write_at(recording, offset, chunk)
        db.session.commit()
    if recording.upload == UploadStatus.PENDING and recording.offset == recording.size:
        return finish(recording_id)
    return recording


def lock(recording_id):
    db.session.execute(update(Recording).where(Recording.id == recording_id)
                       .values(offset=Recording.offset).execution_options(synchronize_session=False))
    recording = db.session.get(Recording, recording_id, populate_existing=True)
    if recording is None:
        raise NotFound("No such recording.")
    return recording


def write_at(recording, offset, chunk):
    if offset != recording.offset:
        raise OffsetMismatch(recording.offset)
    if offset + len(chunk) > recording.size:
        raise Refused(f"More bytes than the {recording.size} declared.")
    if not chunk and offset < recording.size:
        raise Refused(f"The chunk is empty; send the file's bytes from byte {offset}.")
    if chunk:
        path = partial_path(recording.id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "r+b" if path.exists() else "w+b") as file:
            file.truncate(offset)  # bytes past the recorded offset were never acknowledged
            file.seek(offset)
            file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
    recording.offset = offset + len(chunk)


def finish(recording_id):
    """Check the whole file's SHA-256 with nothing held, then keep it and queue it in one short turn.

    :raise Refused: the bytes are not the file declared; the upload starts again from byte 0.
    """
    recording = db.session.get(Recording, recording_id)
    declared = recording.sha256
    db.session.commit()
    path = partial_path(recording_id)
    digest = file_digest(path) if path.exists() else None
    ready = path.with_name(f"{path.name}.ready-{secrets.token_hex(4)}")
    if digest == declared:
        os.link(path, ready)
    try:
        with writer_turn():
            # The writers' gate, as a note's media takes it to verify: a file is never deleted as unheld
            # (storage.delete_unheld, under the counter) between moving it into place and this commit.
            changes.number_late()
            recording = lock(recording_id)
            if recording.upload == UploadStatus.PENDING and recording.offset == recording.size:
                if digest != declared:
                    recording.offset = 0
                    path.unlink(missing_ok=True)
                else:
                    keep(recording, ready)
            db.session.commit()
    finally:
        ready.unlink(missing_ok=True)
    if recording.upload == UploadStatus.VERIFIED:
        path.unlink(missing_ok=True)
    elif digest != declared:
        raise Refused("The file's SHA-256 does not match the one declared." + START_AGAIN)
    return recording


def keep(recording, ready):
    target = stored_path(recording.sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(ready, target)  # atomic; the same content uploaded twice is one file
    recording.upload = UploadStatus.VERIFIED
    work.queue(recording)


def file_digest(path):
    sha = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1024 * 1024), b""):
            sha.update(block)
    return sha.hexdigest()
