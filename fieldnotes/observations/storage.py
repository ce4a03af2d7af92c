"""Where media files live: content-addressed by SHA-256 once verified, by upload id while partial.

One stored file may be held by many rows: the same bytes sent as two notes' photos, a note's audio and an
interview recording, in one study or in two. So a file is deleted only when no row of any feature still
names it (`delete_unheld`); each feature that keeps rows naming stored files registers what it holds in
FILE_HOLDERS, as erasers register in visits.service.ERASERS, so this package asks without knowing them.
"""
import os
import uuid
from pathlib import Path

from flask import current_app, send_file
from sqlalchemy import select, union

from fieldnotes.extensions import db
from fieldnotes.observations.counter import lock_counter
from fieldnotes.observations.models import Attachment
from fieldnotes.writers import writer_turn

# Functions (digests) -> the digests among them that the feature's rows name as a stored file, pending
# uploads included (a declared upload will store its bytes under that name). Notes' media are here;
# transcripts registers interview recordings (transcripts/models.py).
FILE_HOLDERS = []
# Digests asked about in one query: well under SQLite's and PostgreSQL's limits on bound values.
ASKED_AT_ONCE = 500


def media_root():
    return Path(current_app.config.get("MEDIA_ROOT") or os.path.join(current_app.instance_path, "media"))


def stored_path(sha256):
    # sha256 is validated hex, so it cannot climb out of the media root.
    return media_root() / sha256[:2] / sha256


def served_path(attachment):
    """The file members are shown: the re-encoded photo when there is one, otherwise the bytes as sent."""
    return stored_path(attachment.stored_sha256 or attachment.sha256)


def send_private(attachment):
    """The file as a response: photos of participants are personal data, for no shared cache or other site."""
    response = send_file(served_path(attachment), mimetype=attachment.mime, max_age=0)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response


def partial_path(media_id):
    return media_root() / "partial" / str(uuid.UUID(str(media_id)))


def notes_media_holding(digests):
    """A note's photo or recording names its file by the digest sent and, for a re-encoded photo, the one stored."""
    return set(db.session.scalars(union(select(Attachment.sha256).where(Attachment.sha256.in_(digests)),
                                        select(Attachment.stored_sha256).where(Attachment.stored_sha256.in_(digests)))))


FILE_HOLDERS.append(notes_media_holding)


def held(digests):
    """The digests among `digests` that some row of some feature, in any study, still names."""
    wanted, found = sorted(set(digests) - {None}), set()
    for start in range(0, len(wanted), ASKED_AT_ONCE):
        batch = set(wanted[start:start + ASKED_AT_ONCE])
        for holder in FILE_HOLDERS:
            if batch - found:
                found |= holder(sorted(batch - found))
    return found


def delete_unheld(digests, uploads=()):
    """Delete the files of `digests` that nothing holds any more, and what `uploads` left unfinished.

    Call it after the commit that let go of the rows (a crash before leaves a file, never a row whose file
    is gone). The counter is held while looking and deleting: every writer that stores a file or names one
    (media and interview verification, imports) holds it or the writers' gate, so no row can come to name a
    file between the look and the deletion. Commits; returns the digests whose files were deleted.
    """
    with writer_turn():
        lock_counter()
        unheld = set(digests) - {None} - held(digests)
        delete_files(unheld, uploads)
        db.session.commit()
    return unheld


def delete_files(digests, uploads):
    """Delete the stored files of `digests`, and whatever each unfinished upload of `uploads` left (its partial
    file and what verification put beside it). Only `delete_unheld` calls it, having checked that nothing
    holds them."""
    for digest in sorted(digests):
        stored_path(digest).unlink(missing_ok=True)
    for upload_id in uploads:
        partial = partial_path(upload_id)
        for leftover in partial.parent.glob(f"{partial.name}*") if partial.parent.exists() else ():
            leftover.unlink(missing_ok=True)
