"""The JSON API the workspace's script uses: one endpoint per move (moves.py's table), the change feed,
the suggestions.

A move answers the board as it now is; a refusal is the errors.py family's answer (404, 422), and a
conflict's also carries the board, read after the rollback, so the script can redraw it.
"""
from flask import abort, jsonify, request
from flask_login import current_user, login_required

from fieldnotes import errors
from fieldnotes.extensions import db
from fieldnotes.forms import json_body, whole_number
from fieldnotes.insights import board, bp, moves, suggest
from fieldnotes.insights.models import Insight
from fieldnotes.insights.oplog import counter
from fieldnotes.studies.permissions import require

BASE = "/api/studies/<id:study_id>/insights"


def state(study_id):
    return board.as_json(study_id, board.tree(study_id))


def perform(move, study_id, data):
    """Make a move and commit it, or write nothing and let the refusal answer."""
    try:
        result = move.run(study_id, current_user.id, data)
    except errors.Conflict as conflict:
        db.session.rollback()
        conflict.extra["state"] = state(study_id)  # as it now is, not as the move left it
        raise
    db.session.commit()
    if move.answer:
        return move.answer(data)
    answer = state(study_id)
    if isinstance(result, Insight):  # the insight it made or moved, for the script to focus
        answer["insight_id"] = result.id
    return answer


def endpoint(move):
    """The view for one move: its body, as its schema loads it, with the insight id the URL names."""
    @login_required
    def make(study_id, **url):
        require(study_id, moves.PERMISSION)
        data = move.schema().load(json_body()) if move.schema else {}
        return jsonify(perform(move, study_id, {**data, **url})), move.status
    return make


for _name, _move in moves.MOVES.items():
    if _move.path is not None:
        bp.add_url_rule(BASE + _move.path, f"api_{_name}", endpoint(_move), methods=["POST"])


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
    since = whole_number(request.args.get("since"), high=2**63 - 1)
    if since is None:
        abort(400, "since must be a change number (0 to start).")
    now = counter(study_id)
    if now == since:
        return jsonify({"counter": now, "changed": False})
    return jsonify({**state(study_id), "changed": True})


@bp.get(f"{BASE}/suggestions")
@login_required
def api_suggestions(study_id):
    require(study_id, "group_notes")
    return jsonify({"suggestions": [s.as_dict() for s in suggest.suggestions(study_id)]})
