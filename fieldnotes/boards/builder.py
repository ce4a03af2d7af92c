"""The board builder (owners and designers): title and narrative, insights in order, share links."""
import secrets
from datetime import UTC, datetime, time, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldnotes.auth.models import utcnow
from fieldnotes.boards import bp
from fieldnotes.boards.by_account import chosen_account, insights_with_account
from fieldnotes.boards.models import BoardItem, ShareLink
from fieldnotes.boards.schemas import (SHARE_DEFAULT_DAYS, SHARE_MAX_DAYS, AddItemSchema, BoardSchema, MoveSchema,
                                       ShareSchema)
from fieldnotes.boards.service import (board_item, board_view, next_position, reaction_author, study_board,
                                       study_insights, touch)
from fieldnotes.extensions import db
from fieldnotes.forms import load_form
from fieldnotes.insights.models import Insight
from fieldnotes.organisations.models import Organisation
from fieldnotes.studies.permissions import allows, require
from fieldnotes.tokens import token_digest
from fieldnotes.visits.names import NameGuard


def insight_choices(board, on_board, account):
    """The insights that may still be added, in tree order; with an account, only those grouping its notes."""
    choices = [c for c in study_insights(board.study_id) if c[0] not in on_board]
    if account is None:
        return choices
    with_account = insights_with_account(board.study_id, account.id)
    return [c for c in choices if c[0] in with_account]


def render_builder(membership, board, errors=None, status=200, new_link=None):
    guard = NameGuard.of_study(board.study_id)
    views = board_view(board, "board", with_reactions=True, guard=guard)
    on_board = {v.item.insight_id for v in views}
    today = utcnow().date()
    account = chosen_account(board.study_id)
    return render_template(
        "boards/builder.html", study=membership.study, membership=membership, board=board, views=views,
        choices=insight_choices(board, on_board, account), errors=errors or {}, account=account,
        accounts=db.session.scalars(Organisation.of_study(board.study_id)).all(),
        form=request.form if errors else {}, now=utcnow(), new_link=new_link, author=reaction_author,
        mask=guard.mask, names_in=guard.names_in, see_real_names=allows(membership.role, "see_real_names"),
        default_expiry=today + timedelta(days=SHARE_DEFAULT_DAYS),
        min_expiry=today + timedelta(days=1), max_expiry=today + timedelta(days=SHARE_MAX_DAYS)), status


@bp.route("/studies/<id:study_id>/boards/<id:board_id>/edit", methods=["GET", "POST"])
@login_required
def edit(study_id, board_id):
    membership = require(study_id, "build_boards")
    board = study_board(study_id, board_id)
    if request.method == "POST":
        data, errors = load_form(BoardSchema())
        if errors:
            return render_builder(membership, board, errors, 422)
        board.title, board.narrative = data["title"], data["narrative"]
        touch(board)
        db.session.commit()
        flash("Board saved.")
        return redirect(url_for("boards.edit", study_id=study_id, board_id=board_id), code=303)
    return render_builder(membership, board)


@bp.post("/studies/<id:study_id>/boards/<id:board_id>/items")
@login_required
def add_item(study_id, board_id):
    membership = require(study_id, "build_boards")
    board = study_board(study_id, board_id)
    data, errors = load_form(AddItemSchema())
    if errors:
        return render_builder(membership, board, errors, 422)
    insight = db.session.scalar(select(Insight).where(Insight.id == data["insight_id"],
                                                      Insight.study_id == study_id))
    if insight is None:
        abort(404, "No such insight in this study.")
    if any(item.insight_id == insight.id for item in board.items):
        return render_builder(membership, board, {"insight_id": ["That insight is on the board already."]}, 422)
    board.items.append(BoardItem(insight_id=insight.id, position=next_position(board)))
    touch(board)
    db.session.commit()
    flash("Insight added to the board. Pick its evidence next.")
    account = chosen_account(study_id)  # the builder stays filtered to the account it was added from
    return redirect(url_for("boards.edit", study_id=study_id, board_id=board_id,
                            account=account.id if account else None), code=303)


@bp.post("/studies/<id:study_id>/boards/<id:board_id>/items/<id:item_id>/move")
@login_required
def move_item(study_id, board_id, item_id):
    membership = require(study_id, "build_boards")
    board = study_board(study_id, board_id)
    item = board_item(board, item_id)
    data, errors = load_form(MoveSchema())
    if errors:
        return render_builder(membership, board, errors, 422)
    items = list(board.items)
    items.remove(item)
    where = {"top": 0, "bottom": len(items)}.get(data["direction"])
    if where is None:
        index = board.items.index(item)
        where = max(0, index - 1) if data["direction"] == "up" else min(len(items), index + 1)
    items.insert(where, item)
    for position, each in enumerate(items, 1):
        each.position = position
    touch(board)
    db.session.commit()
    flash(f"Moved to place {where + 1} of {len(items)}.")
    return redirect(url_for("boards.edit", study_id=study_id, board_id=board_id, _anchor=f"item-{item.id}"), code=303)


@bp.post("/studies/<id:study_id>/boards/<id:board_id>/items/<id:item_id>/remove")
@login_required
def remove_item(study_id, board_id, item_id):
    require(study_id, "build_boards")
    board = study_board(study_id, board_id)
    item = board_item(board, item_id)
    board.items.remove(item)
    touch(board)
    db.session.commit()
    flash("Insight taken off the board (the insight itself is kept).")
    return redirect(url_for("boards.edit", study_id=study_id, board_id=board_id), code=303)


@bp.post("/studies/<id:study_id>/boards/<id:board_id>/shares")
@login_required
def create_share(study_id, board_id):
    membership = require(study_id, "build_boards")
    board = study_board(study_id, board_id)
    data, errors = load_form(ShareSchema())
    if errors:
        return render_builder(membership, board, errors, 422)
    token = secrets.token_urlsafe(32)
    # Valid to the end of the chosen day (UTC); only the hash is stored, so the link is shown once.
    expires = datetime.combine(data["expires_on"] + timedelta(days=1), time(), UTC)
    db.session.add(ShareLink(board_id=board.id, token_hash=token_digest(token), expires_at=expires,
                             created_by=current_user.id))
    db.session.commit()
    return render_builder(membership, board, new_link=url_for("boards.shared", token=token, _external=True))


@bp.post("/studies/<id:study_id>/boards/<id:board_id>/shares/<id:share_id>/revoke")
@login_required
def revoke_share(study_id, board_id, share_id):
    require(study_id, "build_boards")
    board = study_board(study_id, board_id)
    link = db.session.scalar(select(ShareLink).where(ShareLink.id == share_id, ShareLink.board_id == board.id))
    if link is None:
        abort(404)
    if link.revoked_at is None:
        link.revoked_at = utcnow()
        db.session.commit()
    flash("Share link revoked: it no longer opens the board.")
    return redirect(url_for("boards.edit", study_id=study_id, board_id=board_id, _anchor="share"), code=303)


@bp.post("/studies/<id:study_id>/boards/<id:board_id>/delete")
@login_required
def delete(study_id, board_id):
    """Delete a board with its picks, share links and reactions; the insights and notes stay."""
    membership = require(study_id, "build_boards")
    board = study_board(study_id, board_id)
    if request.form.get("confirm") != "yes":
        errors = {"confirm": ["Tick the box to confirm: the board's share links stop working."]}
        return render_builder(membership, board, errors, 422)
    title = board.title
    db.session.delete(board)
    db.session.commit()
    flash(f"Board “{title}” deleted. Its insights and notes are kept.")
    return redirect(url_for("boards.index", study_id=study_id), code=303)
