"""Resumable media uploads (tus-like): declare, append chunks at an offset, verify at the end.

A file is accepted only when its SHA-256 matches what the phone declared and
its first bytes say it is a photo or recording of an accepted type. A photo is
then stored re-encoded, without EXIF (location), and refused if it does not decode.
"""
import hashlib
import os

from sqlalchemy import update

from fieldnotes.auth.models import utcnow
from fieldnotes.errors import Conflict, NotFound, Refused
from fieldnotes.extensions import db
from fieldnotes.observations import changes, service
from fieldnotes.observations.models import Attachment, MediaStatus, Observation, Slot
from fieldnotes.observations.storage import partial_path, stored_path
from fieldnotes.studies.permissions import allows, find_membership
from fieldnotes.sync import media_images
from fieldnotes.sync.filetypes import SNIFF_BYTES, content_type_error, sniff

CHUNK_MAX = 4 * 1024 * 1024


class OffsetMismatch(Conflict):
    def __init__(self, offset):
        super().__init__(f"The upload is at byte {offset}; send from there.")
        self.offset = offset


def editable_note(user, note_id):
    """The note if the user may change it; 404 otherwise (another study's note is 'not found')."""
    note = db.session.get(Observation, note_id)
    member = find_membership(note.study_id, user.id) if note else None
    if note is None or not service.can_edit(member, note):
        raise NotFound("No note with this id that you can add media to; push the note first.")
    return note


def declare(user, data):
    """(attachment, created). A resent declaration answers the same upload."""
    note = editable_note(user, data["observation_id"])
    changes.lock_counter()  # before looking: a racing declaration of the same id waits, then sees ours
    existing = db.session.get(Attachment, data["id"], populate_existing=True)
    if existing is not None:
        same = (existing.observation_id, existing.slot, existing.sha256, existing.size) == (
            note.id, data["slot"], data["sha256"], data["size"])
        if not same:
            raise Conflict("This media id is already used for other content; give new media a new id.")
        return existing, False
    attachment = Attachment(id=data["id"], slot=data["slot"], sha256=data["sha256"],
                            size=data["size"], mime=data["mime"])
    note.media.append(attachment)
    changes.resend_media(note)  # pulls now show the note's media as expected and pending
    db.session.flush()
    return attachment, True


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
    """Write `chunk` at `offset`; verify when complete. Returns the attachment."""
    attachment = visible_attachment(user, media_id, edit=True)
    if attachment.status == MediaStatus.VERIFIED:
        return attachment
    if offset + len(chunk) >= attachment.size:
        changes.lock_counter()  # verification bumps the note's seq; counter first, as push does
    lock_row(attachment)
    if attachment.status == MediaStatus.VERIFIED:  # a racing resend of the last chunk won
        return attachment
    if offset != attachment.offset:
        raise OffsetMismatch(attachment.offset)
    if offset + len(chunk) > attachment.size:
        raise Refused(f"More bytes than the {attachment.size} declared.")
    if offset == 0 and (error := content_type_error(attachment.slot, chunk[:SNIFF_BYTES])):
        raise Refused(error)
    write_chunk(partial_path(attachment.id), offset, chunk)
    attachment.offset = offset + len(chunk)
    if attachment.offset == attachment.size:
        verify(attachment)
    return attachment


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


def verify(attachment):
    """Keep the file if hash and type are right (a photo re-encoded); otherwise discard it (422).

    The hash is checked on the bytes the phone sent: "verified" means its upload arrived intact.
    """
    path = partial_path(attachment.id)
    digest, head = file_digest(path)
    problem = None if digest == attachment.sha256 else "The file's SHA-256 does not match the one declared."
    problem = problem or content_type_error(attachment.slot, head)
    if not problem and attachment.slot == Slot.PHOTO:
        problem = sanitise(attachment, path, sniff(head))
    if problem:
        discard(attachment)
        raise Refused(problem + " It was discarded; upload it again from byte 0.")
    if attachment.stored_sha256:
        path, digest = clean_path(attachment.id), attachment.stored_sha256
    target = stored_path(digest)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, target)  # atomic; the same content uploaded twice is one file
    partial_path(attachment.id).unlink(missing_ok=True)
    attachment.status = MediaStatus.VERIFIED
    attachment.verified_at = utcnow()
    changes.resend_media(attachment.observation)


def sanitise(attachment, path, mime):
    """Write the re-encoded photo beside the upload and record it; a message if it does not decode."""
    try:
        media_images.sanitise(path, clean_path(attachment.id), mime)
    except media_images.NotAPhoto as error:
        return str(error)
    attachment.stored_sha256, _ = file_digest(clean_path(attachment.id))
    attachment.stored_size = clean_path(attachment.id).stat().st_size
    return None


def clean_path(media_id):
    path = partial_path(media_id)
    return path.with_name(path.name + ".clean")


def discard(attachment):
    partial_path(attachment.id).unlink(missing_ok=True)
    clean_path(attachment.id).unlink(missing_ok=True)
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
