"""The affinity workspace page, and its plain form posts: every move works without the script."""
from urllib.parse import urlencode

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldnotes import errors
from fieldnotes.explore.listing import encode_cursor, listed, lookups
from fieldnotes.explore.filters import BadFilter, parse_filters
from fieldnotes.extensions import db
from fieldnotes.insights import board, bp, moves, oplog, service, suggest
from fieldnotes.insights.models import InsightNote
from fieldnotes.observations.models import Observation
from fieldnotes.studies.permissions import allows, require
from fieldnotes.visits.models import SiteVisit

LEFT_LIMIT = 200


def ungrouped(study_id, args):
    """The left column: the browse filters and search, less the notes already in an insight."""
    dialect = db.session.get_bind().dialect.name
    filters = parse_filters(study_id, args)
    rows = listed(filters, dialect, LEFT_LIMIT, Observation.id.not_in(select(InsightNote.observation_id)))
    more = None
    if len(rows) > LEFT_LIMIT:  # the browse page's own keyset cursor, so "More" keeps the filters
        last = rows[LEFT_LIMIT - 1]
        more = encode_cursor(filters.order, last[0], last[1] if filters.order == "journey" else None)
    return filters, [row[0] for row in rows[:LEFT_LIMIT]], more


def render(study_id, membership, status=200, error=None, template="insights/affinity.html"):
    try:
        filters, notes, more = ungrouped(study_id, request.args)
    except BadFilter as bad:
        abort(400, str(bad))
    sort = request.args.get("sort") if request.args.get("sort") in board.SORTS else "position"
    cards = board.tree(study_id, sort)
    organisations = sorted(set(db.session.scalars(select(SiteVisit.organisation).where(
        SiteVisit.study_id == study_id))))
    more_url = more and f"{request.path}?{urlencode(filters.params() + [('sort', sort), ('after', more)])}"
    return render_template(
        template, study=membership.study, membership=membership, filters=filters, notes=notes, more_url=more_url,
        cards=cards, flat=list(board.flatten(cards)), journey=board.journey(study_id), sort=sort,
        names=lookups(study_id), organisations=organisations, counter=oplog.counter(study_id),
        can_group=allows(membership.role, "group_notes"), error=error, here=request.full_path), status


@bp.get("/studies/<id:study_id>/affinity")
@login_required
def affinity(study_id):
    membership = require(study_id, "view_notes")
    if request.args.get("fragment") == "1":
        return render(study_id, membership, template="insights/_workspace.html")
    return render(study_id, membership)


@bp.post("/studies/<id:study_id>/affinity")
@login_required
def affinity_post(study_id):
    """Make the move the form names (moves.py); back to the workspace, or it again with the refusal."""
    membership = require(study_id, moves.PERMISSION)
    try:
        move, data = moves.from_form(request.form.get("action", ""))
        move.run(study_id, current_user.id, data)
    except (errors.Refused, errors.Conflict) as refusal:  # errors.NotFound answers its 404 page
        db.session.rollback()
        return render(study_id, membership, refusal.code, refusal.description)
    except ValueError:  # uuid's: a note id a form made up
        db.session.rollback()
        return render(study_id, membership, 422, "A note id is not valid.")
    db.session.commit()
    flash(move.told(data))
    back = request.form.get("next", "")
    # Only back to this study's own workspace pages: never to somewhere a form says.
    prefix = url_for("insights.affinity", study_id=study_id)
    return redirect(back if back.startswith(prefix) else prefix, 303)


@bp.get("/studies/<id:study_id>/affinity/suggestions")
@login_required
def suggestions_page(study_id):
    membership = require(study_id, "group_notes")
    return render_template("insights/suggestions.html", study=membership.study,
                           suggestions=suggest.suggestions(study_id))


def back_url(study_id):
    """Where a picker returns to: the workspace URL it came from (with its filters), only ever ours."""
    prefix = url_for("insights.affinity", study_id=study_id)
    back = request.args.get("next", "")
    return back if back.startswith(prefix) else prefix


@bp.get("/studies/<id:study_id>/affinity/move")
@login_required
def move_page(study_id):
    """Without the script: choose where one note goes (one list of insights, not one per note)."""
    membership = require(study_id, "group_notes")
    try:
        [note_id] = service.live_notes(study_id, [request.args.get("note", "")])
    except (errors.NotFound, ValueError):  # ValueError: not a note id at all
        abort(404)
    note = db.session.get(Observation, note_id)
    placed = db.session.get(InsightNote, note_id)
    current = placed.insight_id if placed else None
    return render_template(
        "insights/pick.html", study=membership.study, heading="Move a note", subject=note.text or "(no text)",
        action="move", hidden=[("note_ids", note.id), ("from", current or "")], field="target_id",
        label="Move to", none_label="Ungrouped notes", current=current,
        choices=list(board.flatten(board.tree(study_id))), button="Move", back=back_url(study_id))


@bp.get("/studies/<id:study_id>/affinity/<id:insight_id>/nest")
@login_required
def nest_page(study_id, insight_id):
    """Without the script: choose the theme an insight goes under."""
    membership = require(study_id, "group_notes")
    try:
        insight = service.insight_in(study_id, insight_id)
    except errors.NotFound:
        abort(404)
    choices = [c for c in board.flatten(board.tree(study_id)) if c.insight.id != insight.id]
    return render_template(
        "insights/pick.html", study=membership.study, heading="Nest an insight", subject=insight.statement,
        action="nest", hidden=[("insight_id", insight.id), ("version", insight.version)], field="parent_id",
        label="Nest under", none_label="Top level", current=insight.parent_id, choices=choices,
        button="Nest", back=back_url(study_id))
