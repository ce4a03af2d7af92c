"""Push, pull and the study context a phone needs to capture offline."""
from flask import abort, current_app, request
from flask_login import current_user, login_required

from fieldnotes.extensions import db
from fieldnotes.forms import json_body  # media_api.py takes it from here too
from fieldnotes.observations import changes
from fieldnotes.studies.permissions import allows, require
from fieldnotes.sync import bp, context, pull as pulling
from fieldnotes.sync.push import push_batch
from fieldnotes.sync.schemas import MAX_BATCH, BatchSchema
from fieldnotes.sync.signals import push_committed


@bp.post("/api/sync/push")
@login_required
def push():
    body = json_body()
    mutations = body.get("mutations")
    if isinstance(mutations, list) and len(mutations) > MAX_BATCH:
        abort(413, f"At most {MAX_BATCH} mutations in a batch; this one had {len(mutations)}.")
    batch = BatchSchema().load(body)  # ValidationError -> 422 with field messages
    results = push_batch(current_user.user, batch["device_id"], batch["mutations"], batch["account"])
    epoch = changes.current_epoch()
    db.session.commit()
    push_committed.send(current_app._get_current_object())
    return {"epoch": epoch, "results": results}


@bp.get("/api/sync/pull")
@login_required
def pull():
    study_id = request.args.get("study_id", type=int)
    if study_id is None or not 1 <= study_id <= 2_147_483_647:
        abort(400, "study_id is required: the id of a study you are a member of.")
    require(study_id, "view_notes")
    limit = request.args.get("limit", pulling.DEFAULT_LIMIT, type=int)
    if not 1 <= limit <= pulling.MAX_LIMIT:
        abort(400, f"limit must be between 1 and {pulling.MAX_LIMIT}.")
    try:
        page = pulling.pull(study_id, request.args.get("cursor", ""), limit, request.args.get("seen", ""))
    except pulling.BadCursor as error:
        abort(400, str(error))
    db.session.commit()  # the epoch row, the first time anything asks for it
    return page


@bp.get("/api/studies/<id:study_id>/context")
@login_required
def study_context(study_id):
    membership = require(study_id, "view_study")
    if not (allows(membership.role, "capture") or allows(membership.role, "view_notes")):
        abort(403, f"Your role in this study ({membership.role}) does not allow this.")
    answer = context.study_context(membership)
    db.session.commit()
    return answer

