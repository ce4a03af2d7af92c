"""Media upload endpoints: declare (POST), ask the offset (HEAD), append (PATCH), status (GET)."""
from flask import abort, request
from flask_login import current_user, login_required

from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.sync import bp, media
from fieldnotes.sync.schemas import MediaDeclarationSchema
from fieldnotes.sync.views import json_body


@bp.post("/api/media")
@login_required
def declare():
    data = MediaDeclarationSchema().load(json_body())  # ValidationError -> 422
    attachment, created = media.declare(current_user.user, data)
    answer = {"id": str(attachment.id), "offset": attachment.offset, "status": str(attachment.status)}
    db.session.commit()
    return answer, 201 if created else 200


@bp.get("/api/media/<uuid:media_id>")
@login_required
def show(media_id):
    """Also answers HEAD: the Upload-Offset header says where to resume."""
    attachment = media.visible_attachment(current_user.user, media_id)
    return media.status(attachment), 200, {"Upload-Offset": str(attachment.offset)}


@bp.patch("/api/media/<uuid:media_id>")
@login_required
def append(media_id):
    if request.mimetype != "application/offset+octet-stream":
        abort(415, "Send chunks as application/offset+octet-stream.")
    offset = request.headers.get("Upload-Offset", "")
    if not offset.isdigit() or len(offset) > 12:
        abort(400, "Upload-Offset: the byte this chunk starts at.")
    if (request.content_length or 0) > media.CHUNK_MAX:
        abort(413, f"Chunks may be at most {media.CHUNK_MAX // 1024 // 1024} MB.")
    chunk = request.get_data(cache=False)
    if len(chunk) > media.CHUNK_MAX:
        abort(413, f"Chunks may be at most {media.CHUNK_MAX // 1024 // 1024} MB.")
    try:
        attachment = media.append(current_user.user, media_id, int(offset), chunk)
    except media.OffsetMismatch as mismatch:
        db.session.rollback()
        return ({"code": 409, "message": "Conflict", "description": mismatch.description,
                 "offset": mismatch.offset}, 409, {"Upload-Offset": str(mismatch.offset)})
    except Refused:
        db.session.commit()  # a discarded upload restarts from 0: keep that, then answer 422
        raise
    answer = ("", 204, {"Upload-Offset": str(attachment.offset), "Upload-Status": str(attachment.status)})
    db.session.commit()
    return answer
