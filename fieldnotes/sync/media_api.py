"""Media upload endpoints: declare (POST), ask the offset (HEAD), append (PATCH), status (GET).

POST and PATCH take the writer turn only around their writes (media.py commits them), so
verifying a whole file, which can take a second, holds up no other writer.
"""
from flask import abort, request
from flask_login import current_user, login_required

from fieldnotes.sync import bp, media
from fieldnotes.sync.schemas import MediaDeclarationSchema
from fieldnotes.sync.views import json_body
from fieldnotes.writers import takes_own_turns


@bp.post("/api/media")
@takes_own_turns
@login_required
def declare():
    data = MediaDeclarationSchema().load(json_body())  # ValidationError -> 422
    attachment, created = media.declare(current_user.user, data)
    return {"id": str(attachment.id), "offset": attachment.offset, "status": str(attachment.status)}, (
        201 if created else 200)


@bp.get("/api/media/<uuid:media_id>")
@login_required
def show(media_id):
    """Also answers HEAD: the Upload-Offset header says where to resume."""
    attachment = media.visible_attachment(current_user.user, media_id)
    return media.status(attachment), 200, {"Upload-Offset": str(attachment.offset)}


@bp.patch("/api/media/<uuid:media_id>")
@takes_own_turns
@login_required
def append(media_id):
    if request.mimetype != "application/offset+octet-stream":
        abort(415, "Send chunks as application/offset+octet-stream.")
    offset = request.headers.get("Upload-Offset", "")
    if not (offset.isascii() and offset.isdigit()) or len(offset) > 12:  # "²" is a digit to isdigit()
        abort(400, "Upload-Offset: the byte this chunk starts at.")
    if (request.content_length or 0) > media.CHUNK_MAX:
        abort(413, f"Chunks may be at most {media.CHUNK_MAX // 1024 // 1024} MB.")
    chunk = request.get_data(cache=False)
    if len(chunk) > media.CHUNK_MAX:
        abort(413, f"Chunks may be at most {media.CHUNK_MAX // 1024 // 1024} MB.")
    try:
        attachment = media.append(current_user.user, media_id, int(offset), chunk)
    except media.OffsetMismatch as mismatch:
        return ({"code": 409, "message": "Conflict", "description": mismatch.description,
                 "offset": mismatch.offset}, 409, {"Upload-Offset": str(mismatch.offset)})
    return "", 204, {"Upload-Offset": str(attachment.offset), "Upload-Status": str(attachment.status)}
