"""The TV wall: the join code and its QR code, the groups and their cards; the facilitator's moves.

The facilitator's laptop shows this page on the room's TV. Its controls (deal, name a group, merge,
put a group under another, lock, end) are plain forms, enhanced by static/js/workshop-wall.js,
which also redraws the wall from the feed whenever a phone moves a card.
"""
import segno
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fieldnotes import errors
from fieldnotes.extensions import db
from fieldnotes.forms import whole_number
from fieldnotes.workshops import bp, ending, feed, service
from fieldnotes.workshops.models import WorkshopState
from fieldnotes.workshops.phone import drawn, the_workshop


def join_address(workshop):
    return url_for("workshops.join_page", code=workshop.code, _external=True)


def qr_svg(address):
    """The join address as an inline SVG, drawn on the server (no script, no image request)."""
    return segno.make(address, error="m").svg_inline(scale=6, dark="#000", light="#fff",
                                                     title="QR code: scan it to join from your phone")


@bp.get("/studies/<id:study_id>/workshops/<id:workshop_id>/wall")
@login_required
def wall(study_id, workshop_id):
    membership, workshop = the_workshop(study_id, workshop_id, "run_workshops")
    address = join_address(workshop)
    return render_template("workshops/wall.html", study=membership.study, workshop=workshop, address=address,
                           qr=qr_svg(address), screen=feed.screen(workshop, current_user.id), states=WorkshopState)


def group_field(name, required=True):
    value = whole_number(request.form.get(name), low=1)
    if value is None and (required or request.form.get(name)):
        abort(400, "Choose a group on the wall.")
    return value


def run(workshop, action):
    """Make the facilitator's move; the sentence the wall says about it."""
    user_id = current_user.id
    if action == "deal":
        dealt = service.deal(workshop, user_id)
        return f"{dealt} cards dealt."
    if action == "name":
        service.name_group(workshop, user_id, group_field("group"), request.form.get("name", ""))
        return "Group named."
    if action == "merge":
        service.merge(workshop, user_id, group_field("group"), group_field("into"))
        return "Groups merged."
    if action == "nest":
        service.nest(workshop, user_id, group_field("group"), group_field("parent", required=False))
        return "Group moved."
    if action in ("lock", "unlock"):
        service.lock(workshop, user_id, action == "lock")
        return "Wall locked: phones can look but not place." if action == "lock" else "Wall unlocked."
    if action == "end":
        made = ending.end(workshop, user_id)
        return f"Workshop ended: {made} insights made in the affinity workspace. Undo there takes them back."
    abort(400, "Unknown action.")


@bp.post("/studies/<id:study_id>/workshops/<id:workshop_id>/wall")
@login_required
def facilitate(study_id, workshop_id):
    _membership, workshop = the_workshop(study_id, workshop_id, "run_workshops")
    action = request.form.get("action", "")
    try:
        said = run(workshop, action)
    except (errors.Refused, errors.Conflict) as refusal:
        db.session.rollback()
        said, failed = refusal.description, True
    else:
        db.session.commit()
        failed = False
    if request.accept_mimetypes.best == "application/json":
        now = service.workshop_in(study_id, workshop_id)
        answer = {"told": said, "screen": drawn(now, feed.screen(now, current_user.id), "wall")}
        return jsonify(answer), 422 if failed else 200
    flash(said)
    if action == "end" and not failed:
        return redirect(url_for("insights.affinity", study_id=study_id), 303)
    return redirect(url_for("workshops.wall", study_id=study_id, workshop_id=workshop_id), 303)
