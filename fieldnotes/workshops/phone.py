"""The phone in the room: join, one card at a time, place it / start a group / pass it on; the feed.

Moves come as a form (the page works without its script: each button is a form post) or as JSON
from static/js/workshop-phone.js; both answer with what the phone should now draw. The feed is
what every screen (phone and wall) reads when told, or finds by polling, that the workshop moved.
"""
import uuid

from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fieldnotes import errors, live
from fieldnotes.extensions import db
from fieldnotes.forms import json_body, whole_number
from fieldnotes.observations.storage import send_private
from fieldnotes.studies.permissions import allows, require
from fieldnotes.workshops import bp, cards, feed, service
from fieldnotes.workshops.models import WorkshopState

ACTIONS = ("place", "new", "pass")


def the_workshop(study_id, workshop_id, action):
    membership = require(study_id, action)
    try:
        return membership, service.workshop_in(study_id, workshop_id)
    except errors.NotFound:
        abort(404)


@bp.get("/studies/<id:study_id>/workshops/<id:workshop_id>")
@login_required
def phone(study_id, workshop_id):
    membership, workshop = the_workshop(study_id, workshop_id, "join_workshops")
    screen = feed.screen(workshop, current_user.id, faces_too=False)
    return render_template("workshops/phone.html", study=membership.study, workshop=workshop, screen=screen,
                           card=screen["hand"][0] if screen["hand"] else None, ended=WorkshopState.ENDED,
                           can_run=allows(membership.role, "run_workshops"))


@bp.post("/studies/<id:study_id>/workshops/<id:workshop_id>/join")
@login_required
def join(study_id, workshop_id):
    _membership, workshop = the_workshop(study_id, workshop_id, "join_workshops")
    service.join(workshop, current_user.id)  # Refused (ended): the error page says why, nothing written
    db.session.commit()
    return redirect(url_for("workshops.phone", study_id=study_id, workshop_id=workshop_id), 303)


def read_move():
    """{card, action, group, version} from the JSON body or the form; 400 when it is not a move at all."""
    body = json_body() if request.is_json else request.form
    action = body.get("action")
    if action not in ACTIONS:
        abort(400, "Say what to do with the card: place, new or pass.")
    group = body.get("group")
    group = whole_number(str(group), low=1) if group not in (None, "") else None
    if action == "place" and group is None:
        abort(400, "Say which group the card goes in.")
    version = body.get("version")
    version = whole_number(str(version)) if version not in (None, "") else None
    return {"card": str(body.get("card") or ""), "action": action, "group": group, "version": version}


def make_move(workshop, move):
    """The move made (not committed): (the sentence the phone says about it, the move's number)."""
    if move["action"] == "pass":
        seq = service.pass_on(workshop, current_user.id, move["card"], move["version"])
        return "Passed on.", seq
    seq, group = service.place(workshop, current_user.id, move["card"],
                               move["group"] if move["action"] == "place" else None, move["version"])
    return (f"Placed in “{group.label}”." if move["action"] == "place" else f"Started “{group.label}”."), seq


@bp.post("/studies/<id:study_id>/workshops/<id:workshop_id>/cards")
@login_required
def move_card(study_id, workshop_id):
    _membership, workshop = the_workshop(study_id, workshop_id, "join_workshops")
    move = read_move()
    if service.seat_of(workshop.id, current_user.id) is None:
        raise errors.Refused("Join the workshop first: your hand is dealt when you join.")
    try:
        said, seq = make_move(workshop, move)
    except (errors.Refused, errors.Conflict) as refusal:
        db.session.rollback()
        if request.is_json:  # the errors.py JSON shape (pages answer HTML errors), with what to draw now
            now = service.workshop_in(study_id, workshop_id)
            return (jsonify({"code": refusal.code, "message": refusal.name, "description": refusal.description,
                            "screen": drawn(now, feed.screen(now, current_user.id, faces_too=False), "phone")}),
                    refusal.code)
        flash(refusal.description)
        return redirect(url_for("workshops.phone", study_id=study_id, workshop_id=workshop_id), 303)
    db.session.commit()
    if request.is_json:
        # `seq`: this move's number in the feed (a load run times each screen's arrival at it).
        return jsonify({"told": said, "seq": seq,
                        "screen": drawn(workshop, feed.screen(workshop, current_user.id, faces_too=False), "phone")})
    flash(said)
    return redirect(url_for("workshops.phone", study_id=study_id, workshop_id=workshop_id), 303)


@bp.get("/api/studies/<id:study_id>/workshops/<id:workshop_id>/feed")
@login_required
def feed_json(study_id, workshop_id):
    """The screen's JSON; `since` the move number the screen drew (just the number back when unchanged)."""
    _membership, workshop = the_workshop(study_id, workshop_id, "join_workshops")
    since = whole_number(request.args.get("since")) if request.args.get("since") else None
    view = request.args.get("view")
    return jsonify(drawn(workshop, feed.screen(workshop, current_user.id, since, faces_too=view != "phone"), view))


def drawn(workshop, screen, view):
    """The screen with its HTML, drawn by the very templates the page drew first (`view`: phone or wall)."""
    if "groups" not in screen or view not in ("phone", "wall"):
        return screen
    if view == "phone":
        screen["html"] = render_template("workshops/_phone_card.html", workshop=workshop, screen=screen,
                                         card=screen["hand"][0] if screen["hand"] else None)
    else:
        screen["html"] = render_template("workshops/_wall.html", workshop=workshop, screen=screen)
    return screen


@bp.get("/api/studies/<id:study_id>/workshops/<id:workshop_id>/live")
@login_required
def live_feed(study_id, workshop_id):
    """The feed as server-sent events: `id` is the workshop's move number, sent when it moves, so every
    screen fetches the feed within a moment of anyone's move (polling the feed is the fallback)."""
    _membership, workshop = the_workshop(study_id, workshop_id, "join_workshops")
    since = whole_number(request.args.get("since"), high=2**63 - 1) or 0
    workshop_id = workshop.id

    def fetch_since(seen):
        now = service.current_seq(workshop_id)
        return [(now, {"seq": now})] if now > seen else []
    # The same {seq} for every viewer: after a poke, one fetch per process serves every open screen.
    return live.stream(service.live_topic(workshop_id), since, fetch_since, shared=True)


@bp.get("/studies/<id:study_id>/workshops/<id:workshop_id>/photos/<media_id>")
@login_required
def photo(study_id, workshop_id, media_id):
    """A card's photo: only one the wall may show (consented, verified, of a card in this workshop)."""
    _membership, workshop = the_workshop(study_id, workshop_id, "join_workshops")
    try:
        key = uuid.UUID(media_id)
    except ValueError:
        abort(404)
    attachment = cards.photo_of(workshop, key)
    if attachment is None:
        abort(404)
    return send_private(attachment)
