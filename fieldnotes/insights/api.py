"""The JSON API the workspace's script uses: one endpoint per move, the change feed, undo and redo."""
from flask import abort, jsonify, request
from flask_login import current_user, login_required

from fieldnotes.extensions import db
from fieldnotes.insights import board, bp, oplog, schemas, service, suggest
from fieldnotes.insights.oplog import counter
from fieldnotes.studies.permissions import require

BASE = "/api/studies/<id:study_id>/insights"


def body(schema):
    return schema().load(request.get_json(silent=True) or {})


def state(study_id):
    return board.as_json(study_id, board.tree(study_id))


def perform(study_id, move, status=200):
    """Run a move; commit it, or answer 404/409/422 with nothing written."""
    try:
        result = move()
    except LookupError as error:
        db.session.rollback()
        abort(404, str(error))
    except service.Refused as error:
        db.session.rollback()
        abort(422, str(error))
    except oplog.Conflict as error:
        db.session.rollback()
        return jsonify({"code": 409, "message": "Conflict", "description": str(error),
                        "insight_id": error.insight_id, "state": state(study_id)}), 409
    db.session.commit()
    answer = state(study_id)
    if result is not None and hasattr(result, "id"):
        answer["insight_id"] = result.id
    return jsonify(answer), status


@bp.get(BASE)
@login_required
def api_state(study_id):
    require(study_id, "view_notes")
    return jsonify(state(study_id))


@bp.get(f"{BASE}/changes")
@login_required
def api_changes(study_id):
    """Polled every few seconds: the whole state when anything moved since `since`, else just the counter."""
    require(study_id, "view_notes")
    since = request.args.get("since", "")
    if not since.isdigit():
        abort(400, "since must be a change number (0 to start).")
    now = counter(study_id)
    if now == int(since):
        return jsonify({"counter": now, "changed": False})
    return jsonify({**state(study_id), "changed": True})


@bp.post(BASE)
@login_required
def api_create(study_id):
    require(study_id, "group_notes")
    data = body(schemas.CreateSchema)
    return perform(study_id, lambda: service.create_insight(
        study_id, current_user.id, data["statement"], data["note_ids"], data["parent_id"],
        data["sources"], data["versions"]), 201)


@bp.post(f"{BASE}/<id:insight_id>/statement")
@login_required
def api_statement(study_id, insight_id):
    require(study_id, "group_notes")
    data = body(schemas.StatementSchema)
    return perform(study_id, lambda: service.edit_statement(
        study_id, current_user.id, insight_id, data["statement"], data["version"]))


@bp.post(f"{BASE}/move-notes")
@login_required
def api_move(study_id):
    require(study_id, "group_notes")
    data = body(schemas.MoveSchema)
    return perform(study_id, lambda: service.move_notes(
        study_id, current_user.id, data["note_ids"], data["target_id"], data["versions"], data["sources"]))


@bp.post(f"{BASE}/<id:insight_id>/nest")
@login_required
def api_nest(study_id, insight_id):
    require(study_id, "group_notes")
    data = body(schemas.NestSchema)
    return perform(study_id, lambda: service.nest(
        study_id, current_user.id, insight_id, data["parent_id"], data["version"]))


@bp.post(f"{BASE}/<id:insight_id>/place")
@login_required
def api_place(study_id, insight_id):
    """A dragged insight: under `parent_id`, before `before_id` (or last)."""
    require(study_id, "group_notes")
    data = body(schemas.PlaceSchema)
    return perform(study_id, lambda: service.place_insight(
        study_id, current_user.id, insight_id, data["parent_id"], data["before_id"], data["version"]))


@bp.post(f"{BASE}/<id:insight_id>/reorder")
@login_required
def api_reorder(study_id, insight_id):
    require(study_id, "group_notes")
    data = body(schemas.ReorderSchema)
    return perform(study_id, lambda: service.reorder(
        study_id, current_user.id, insight_id, data["offset"], data["version"]))


@bp.post(f"{BASE}/<id:insight_id>/delete")
@login_required
def api_delete(study_id, insight_id):
    require(study_id, "group_notes")
    data = body(schemas.DeleteSchema)
    return perform(study_id, lambda: service.delete_insight(
        study_id, current_user.id, insight_id, data["version"], data["ungroup"]))


@bp.post(f"{BASE}/undo")
@login_required
def api_undo(study_id):
    require(study_id, "group_notes")
    return perform(study_id, lambda: oplog.step(study_id, current_user.id, undo=True) and None)


@bp.post(f"{BASE}/redo")
@login_required
def api_redo(study_id):
    require(study_id, "group_notes")
    return perform(study_id, lambda: oplog.step(study_id, current_user.id, undo=False) and None)


@bp.get(f"{BASE}/suggestions")
@login_required
def api_suggestions(study_id):
    require(study_id, "group_notes")
    return jsonify({"suggestions": [s.as_dict() for s in suggest.suggestions(study_id)]})


@bp.post(f"{BASE}/suggestions/accept")
@login_required
def api_accept(study_id):
    require(study_id, "group_notes")
    data = body(schemas.SuggestionSchema)
    return perform(study_id, lambda: suggest.accept(
        study_id, current_user.id, data["note_ids"], data["statement"]), 201)


@bp.post(f"{BASE}/suggestions/dismiss")
@login_required
def api_dismiss(study_id):
    require(study_id, "group_notes")
    data = body(schemas.SuggestionSchema)
    suggest.dismiss(study_id, current_user.id, data["note_ids"])
    db.session.commit()
    return jsonify({"dismissed": len(data["note_ids"])})
