"""Serving a board's photos and clips: only media that is consented evidence on that board.

Members' board pages and share links both answer with board_media(), so the check is made once.
Files go out with Range support (send_file is conditional), so a clip's player fetches just its part.
"""
from flask import abort, send_file

from fieldnotes.boards.consent import consented_evidence
from fieldnotes.boards.service import item_notes
from fieldnotes.extensions import db
from fieldnotes.highlights.queries import interview_recording
from fieldnotes.observations.models import Attachment
from fieldnotes.observations.storage import send_private, stored_path


def board_media(board, media_id):
    """A photo or clip that is consented evidence on `board`; 404 for any other media id."""
    shown = consented_evidence(item_notes(board.items))
    pieces = [e for pieces in shown.values() for e in pieces if e.media_id == media_id]
    if not pieces:
        abort(404)
    if pieces[0].recording_id is not None:
        return send_recording(interview_recording(media_id))
    return send_private(db.session.get(Attachment, media_id))


def send_recording(recording):
    """An interview recording a clip plays: private, never cached, for this site only (as send_private)."""
    if recording is None or not stored_path(recording.sha256).is_file():
        abort(404)
    response = send_file(stored_path(recording.sha256), mimetype=recording.mime, max_age=0, conditional=True)
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
