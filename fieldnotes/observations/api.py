"""Reading one note with its media and history, and serving its verified media files."""
from flask import abort
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations import bp
from fieldnotes.observations.content import iso, note_state
from fieldnotes.observations.models import Attachment, MediaStatus, Observation
from fieldnotes.observations.storage import send_private
from fieldnotes.studies.permissions import allows, membership_of, require


@bp.get("/api/studies/<id:study_id>/observations/<uuid:note_id>")
@login_required
def show(study_id, note_id):
    require(study_id, "view_notes")
    note = db.session.scalar(select(Observation).where(
        Observation.id == note_id, Observation.study_id == study_id))
    if note is None:
        abort(404)
    answer = note_state(note)
    answer["revisions"] = [revision_entry(r) for r in note.revisions]
    return answer


def revision_entry(revision):
    return {"version": revision.version, "kind": str(revision.kind), "data": revision.data,
            "author": revision.author.name if revision.author else None,
            "device_id": str(revision.device_id) if revision.device_id else None,
            "created_at": iso(revision.created_at)}


@bp.get("/media/<uuid:media_id>")
@login_required
def media_file(media_id):
    """A verified photo or recording, to members who may see notes; 404 for everyone else."""
    attachment = db.session.get(Attachment, media_id)
    note = attachment.observation if attachment else None
    member = membership_of(note.study_id, current_user) if note else None
    if member is None or not allows(member.role, "view_notes") or attachment.status != MediaStatus.VERIFIED:
        abort(404)
    return send_private(attachment)
