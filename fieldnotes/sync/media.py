"""Resumable media uploads (tus-like): declare, append chunks at an offset, verify at the end.

A file is accepted only when its SHA-256 matches what the phone declared and its
first bytes say it is the photo or recording type its note declared. A photo is
then stored re-encoded, without EXIF (location), and refused if it does not decode.

Verifying is slow (hashing up to 100 MB; re-encoding a 46 MP photo takes about a
second), and every push in the deployment waits for the change counter and, on
SQLite, the writer turn. So it holds neither: a chunk is written in one short turn;
the whole file is then checked with no lock and no transaction; a second short turn
records the verdict. In between, the upload is whole (offset == size) and pending,
and nothing changes its bytes: a racing resend that verifies it too reaches the same
verdict and records nothing. One cut off by a crash is verified again by the phone's
next declaration (or a PATCH of no bytes at the end).

These functions commit: the slow part has to sit between two transactions.
"""
import hashlib
import os
import secrets
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from fieldnotes.auth.models import utcnow
from fieldnotes.errors import Conflict, NotFound, Refused
from fieldnotes.extensions import db
from fieldnotes.observations import changes, service
from fieldnotes.observations.signals import media_verified
from fieldnotes.observations.models import Attachment, MediaStatus, Observation, Slot
from fieldnotes.observations.storage import partial_path, stored_path
from fieldnotes.studies.permissions import allows, find_membership
from fieldnotes.sync import media_images
from fieldnotes.sync.filetypes import SNIFF_BYTES, content_type_error, sniff
from fieldnotes.writers import writer_turn

CHUNK_MAX = 4 * 1024 * 1024
START_AGAIN = " Nothing was stored; upload it again from byte 0."


class OffsetMismatch(Conflict):
    def __init__(self, offset):
        super().__init__(f"The upload is at byte {offset}; send from there.")
        self.offset = offset


@contextmanager
def turn():
    """One short write: the writer turn (SQLite), and a transaction committed at the end or rolled back."""
    with writer_turn():
        try:
            yield
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise


def editable_note(user, note_id):
    """The note if the user may change it; 404 otherwise (another study's note is 'not found')."""
    note = db.session.get(Observation, note_id)
    member = find_membership(note.study_id, user.id) if note else None
    if note is None or not service.can_edit(member, note):
        raise NotFound("No note with this id that you can add media to; push the note first.")
    return note


def declare(user, data):
    """(attachment, created). A resent declaration answers the same upload, and finishes
    its verification if a crash cut that off."""
    with turn():
        attachment, created = add_attachment(user, data)
    if awaiting_verification(attachment):
        attachment = finish(attachment.id)
    return attachment, created


def add_attachment(user, data):
    # Numbered late, as a push is (observations/counter.py): the counter is held only while this
    # turn commits, so declaring a photo never queues every push in the deployment behind it.
    changes.number_late()
    note = editable_note(user, data["observation_id"])
    lock_note(note)  # before looking: a racing declaration for this note waits, then sees ours
    existing = db.session.get(Attachment, data["id"], populate_existing=True)
    if existing is None:
        attachment = Attachment(id=data["id"], slot=data["slot"], sha256=data["sha256"],
                                size=data["size"], mime=data["mime"])
        try:
            with db.session.begin_nested():
                note.media.append(attachment)
                db.session.flush()
        except IntegrityError:  # the same id declared at this moment for another note, which won
            existing = db.session.get(Attachment, data["id"], populate_existing=True)
            if existing is None:
                raise
        else:
            changes.resend_media(note)  # pulls now show the note's media as expected and pending
            db.session.flush()
            return attachment, True
    same = (existing.observation_id, existing.slot, existing.sha256, existing.size) == (
        note.id, data["slot"], data["sha256"], data["size"])
    if not same:
        raise Conflict("This media id is already used for other content; give new media a new id.")
    return existing, False


def lock_note(note):
    """The note's row lock on PostgreSQL (SQLite's writer turn already lets one writer in at a time)."""
    db.session.execute(select(Observation.id).where(Observation.id == note.id).with_for_update())


def visible_attachment(user, media_id, edit=False):
    attachment = db.session.get(Attachment, media_id)
    note = attachment.observation if attachment else None
    member = find_membership(note.study_id, user.id) if note else None
    allowed = service.can_edit(member, note) if edit else (
        member is not None and allows(member.role, "view_notes"))
    if not allowed:
        raise NotFound("No such media.")
    return attachment


def append(user, media_id, offset, chunk):
    """Write `chunk` at `offset`; once the file is whole, verify it. Returns the attachment."""
    with turn():
        attachment = visible_attachment(user, media_id, edit=True)
        if attachment.status != MediaStatus.VERIFIED:
            lock_row(attachment)
            write_at(attachment, offset, chunk)
    if awaiting_verification(attachment):
        return finish(attachment.id)
    return attachment


def write_at(attachment, offset, chunk):
    if attachment.status == MediaStatus.VERIFIED:  # a racing resend of the last chunk won
        return
    if offset != attachment.offset:
        raise OffsetMismatch(attachment.offset)
    if offset + len(chunk) > attachment.size:
        raise Refused(f"More bytes than the {attachment.size} declared.")
    if not chunk and offset < attachment.size:  # only at the end may a PATCH carry none (to finish a check)
        raise Refused(f"The chunk is empty; send the file's bytes from byte {offset}.")
    whole_head = len(chunk) >= min(SNIFF_BYTES, attachment.size)
    if offset == 0 and whole_head and (error := content_type_error(attachment.slot, chunk[:SNIFF_BYTES],
                                                                   attachment.mime)):
        raise Refused(error + START_AGAIN)
    if chunk:
        write_chunk(partial_path(attachment.id), offset, chunk)
    attachment.offset = offset + len(chunk)


def awaiting_verification(attachment):
    return attachment.status == MediaStatus.PENDING and attachment.offset == attachment.size


def lock_row(attachment):
    """A no-op write: the row lock on PostgreSQL, the write lock on SQLite; then fresh values."""
    db.session.execute(update(Attachment).where(Attachment.id == attachment.id)
                       .values(offset=Attachment.offset).execution_options(synchronize_session=False))
    db.session.refresh(attachment)


def write_chunk(path, offset, chunk):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "r+b" if path.exists() else "w+b") as file:
        file.truncate(offset)  # bytes past the recorded offset were never acknowledged
        file.seek(offset)
        file.write(chunk)
        file.flush()
        os.fsync(file.fileno())


# Verifying a whole upload

@dataclass(frozen=True)
class Upload:
    """What verification needs, read before it starts, so it holds no row and no transaction."""

    id: object
    slot: Slot
    sha256: str
    mime: str


@dataclass
class Verdict:
    problem: str | None = None  # why the file is refused
    lost: bool = False          # the bytes are gone (a crash): the phone sends them again, no refusal
    ready: Path | None = None   # the file to keep, beside the upload until recorded
    stored_sha256: str | None = None
    stored_size: int | None = None

    def clean_up(self):
        if self.ready:
            self.ready.unlink(missing_ok=True)


def finish(media_id):
    """Verify a whole upload with no lock held, then record the verdict in one short turn.

    :raise Refused: when the file is not what was declared; it is discarded (offset 0).
    """
    attachment = still_there(media_id)
    upload = Upload(attachment.id, attachment.slot, attachment.sha256, attachment.mime)
    db.session.commit()  # end the read: nothing is held while the file is checked
    verdict = check(upload)
    try:
        with turn():
            changes.number_late()  # recording bumps the note's change number: numbered as this turn commits
            attachment = still_there(media_id)
            lock_row(attachment)
            if awaiting_verification(attachment):  # else a racing verification recorded it first
                record(attachment, verdict)
    finally:
        verdict.clean_up()
    if attachment.status == MediaStatus.VERIFIED:
        partial_path(media_id).unlink(missing_ok=True)
    elif verdict.problem:
        raise Refused(verdict.problem + START_AGAIN)
    return attachment


def still_there(media_id):
    """The attachment, unless its note was erased while the file was being checked."""
    attachment = db.session.get(Attachment, media_id)
    if attachment is None:
        raise NotFound("No such media.")
    return attachment


def check(upload):
    """The verdict on the uploaded bytes. Slow: reads them all, and decodes and re-encodes a photo.

    The hash is checked on the bytes the phone sent: "verified" means its upload arrived intact.
    """
    path = partial_path(upload.id)
    try:
        digest, head = file_digest(path)
    except FileNotFoundError:
        return Verdict(lost=True)
    if digest != upload.sha256:
        return Verdict(problem="The file's SHA-256 does not match the one declared.")
    if problem := content_type_error(upload.slot, head, upload.mime):
        return Verdict(problem=problem)
    ready = path.with_name(f"{path.name}.ready-{secrets.token_hex(4)}")
    if upload.slot != Slot.PHOTO:
        os.link(path, ready)  # the upload stays until the verdict is recorded, in case recording fails
        return Verdict(ready=ready, stored_sha256=digest)
    try:
        media_images.sanitise(path, ready, sniff(head))
        stored_sha256, _ = file_digest(ready)
        return Verdict(ready=ready, stored_sha256=stored_sha256, stored_size=ready.stat().st_size)
    except media_images.NotAPhoto as error:
        ready.unlink(missing_ok=True)
        return Verdict(problem=str(error))
    except BaseException:
        ready.unlink(missing_ok=True)
        raise


def record(attachment, verdict):
    """Keep the file and mark it verified, or discard the upload; inside the turn that numbers it."""
    if verdict.problem or verdict.lost:
        discard(attachment)
        return
    target = stored_path(verdict.stored_sha256)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(verdict.ready, target)  # atomic; the same content uploaded twice is one file
    if attachment.slot == Slot.PHOTO:  # what is kept is the re-encoded photo, not the phone's bytes
        attachment.stored_sha256, attachment.stored_size = verdict.stored_sha256, verdict.stored_size
    attachment.status = MediaStatus.VERIFIED
    attachment.verified_at = utcnow()
    changes.resend_media(attachment.observation)
    media_verified.send(attachment)  # in this transaction: transcripts queues a recording with it


def discard(attachment):
    partial_path(attachment.id).unlink(missing_ok=True)
    attachment.offset = 0
    attachment.stored_sha256 = attachment.stored_size = None


def file_digest(path):
    sha = hashlib.sha256()
    with open(path, "rb") as file:
        head = file.read(SNIFF_BYTES)
        sha.update(head)
        for block in iter(lambda: file.read(1024 * 1024), b""):
            sha.update(block)
    return sha.hexdigest(), head


def status(attachment):
    return {"id": str(attachment.id), "observation_id": str(attachment.observation_id),
            "slot": str(attachment.slot), "sha256": attachment.sha256, "size": attachment.size,
            "mime": attachment.mime, "offset": attachment.offset, "status": str(attachment.status)}
