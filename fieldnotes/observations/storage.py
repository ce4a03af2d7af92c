"""Where media files live: content-addressed by SHA-256 once verified, by upload id while partial."""
import os
import uuid
from pathlib import Path

from flask import current_app, send_file


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
