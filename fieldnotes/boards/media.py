"""Serving a board's photos and clips: only media that is consented evidence on that board.

Members' board pages and share links both answer with board_media(), so the check is made once.
"""
from flask import abort

from fieldnotes.boards.consent import consented_evidence
from fieldnotes.boards.service import item_notes
from fieldnotes.extensions import db
from fieldnotes.observations.models import Attachment
from fieldnotes.observations.storage import send_private


def board_media(board, media_id):
    """A photo or clip that is consented evidence on `board`; 404 for any other media id."""
    shown = consented_evidence(item_notes(board.items))
    if not any(e.attachment_id == media_id for pieces in shown.values() for e in pieces):
        abort(404)
    return send_private(db.session.get(Attachment, media_id))
