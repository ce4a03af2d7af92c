"""The JSON API the workspace's script uses: one endpoint per move (moves.py's table), the change feed,
the suggestions.

A move answers what it changed (feed.py: the insights it touched and those above them, their notes
in order, versions and breadth; where its notes now sit; the change number), not the board: on a
300-note board that is a few hundred bytes, not 15 kB, and a handful of rows read, not the board.
A refusal is the errors.py family's answer (404, 422), and a conflict's also carries the board, read
after the rollback, so the script can redraw it (rare: the later move won, the board is what changed).
"""
from flask import abort, jsonify, request
from flask_login import current_user, login_required

from fieldnotes import errors, live
from fieldnotes.extensions import db
from fieldnotes.forms import json_body, whole_number
from fieldnotes.insights import board, bp, feed, moves, suggest
from fieldnotes.insights.models import Insight
from fieldnotes.insights.oplog import counter, live_topic
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
    at = counter(study_id)  # the move's own number: it holds the study's counter until the commit
    db.session.commit()
    if move.answer:
        return move.answer(data)
    answer = feed.of_move(study_id, at)
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
    """Polled every few seconds (when the stream cannot be open): what changed since `since` (feed.py),
    which says `full` when the screen should read the whole board instead; else just the counter."""
    require(study_id, "view_notes")
    since = whole_number(request.args.get("since"), high=2**63 - 1)
    if since is None:
        abort(400, "since must be a change number (0 to start).")
    news = feed.since(study_id, since)
    if news is None:
        return jsonify({"counter": counter(study_id), "changed": False})
    return jsonify({**news, "changed": True})


@bp.get(f"{BASE}/live")
@login_required
def api_live(study_id):
    """The change feed as server-sent events: `id` is the study's change counter, sent when it moves with
    what changed since the screen's last id (feed.py), so an open workspace shows anyone's move within a
    moment without reading the board (polling `changes` is the fallback)."""
    require(study_id, "view_notes")
    since = whole_number(request.args.get("since"), high=2**63 - 1) or 0

    def fetch_since(seen):
        news = feed.since(study_id, seen)
        return [(news["counter"], news)] if news else []
    # The change is the same for everyone who may see the study: one fetch serves every screen at `seen`.
    return live.stream(live_topic(study_id), since, fetch_since, shared=True)


@bp.get(f"{BASE}/suggestions")
@login_required
def api_suggestions(study_id):
    require(study_id, "group_notes")
    return jsonify({"suggestions": [s.as_dict() for s in suggest.suggestions(study_id)]})
