"""Board pages for study members: the list, a board, presentation mode, its media and reactions."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldnotes.boards import bp
from fieldnotes.boards.by_account import boards_with_account, chosen_account
from fieldnotes.boards.heatmap import heatmap
from fieldnotes.boards.media import board_media
from fieldnotes.boards.models import Board
from fieldnotes.boards.reactions import add_reaction, visitor_key_for_user
from fieldnotes.boards.schemas import BoardSchema, ReactionSchema
from fieldnotes.boards.service import ORDERS, board_view, chosen_order, study_board
from fieldnotes.extensions import db
from fieldnotes.forms import load_form
from fieldnotes.organisations.models import Organisation
from fieldnotes.studies.permissions import allows, require
from fieldnotes.visits.names import NameGuard


@bp.get("/studies/<id:study_id>/boards")
@login_required
def index(study_id):
    membership = require(study_id, "view_boards")
    account = chosen_account(study_id)
    boards = db.session.scalars(select(Board).where(Board.study_id == study_id)
                                .order_by(Board.updated_at.desc(), Board.id.desc())).all()
    if account is not None:  # only the boards with evidence from that customer
        keep = boards_with_account(study_id, [b.id for b in boards], account.id)
        boards = [b for b in boards if b.id in keep]
    return render_template("boards/index.html", study=membership.study, membership=membership,
                           boards=boards, errors={}, form={}, account=account,
                           accounts=db.session.scalars(Organisation.of_study(study_id)).all())


@bp.post("/studies/<id:study_id>/boards")
@login_required
def create(study_id):
    membership = require(study_id, "build_boards")
    data, errors = load_form(BoardSchema())
    if errors:
        boards = db.session.scalars(select(Board).where(Board.study_id == study_id)).all()
        return render_template("boards/index.html", study=membership.study, membership=membership,
                               boards=boards, errors=errors, form=request.form, account=None,
                               accounts=db.session.scalars(Organisation.of_study(study_id)).all()), 422
    board = Board(study_id=study_id, created_by=current_user.id, **data)
    db.session.add(board)
    db.session.commit()
    flash(f"Board “{board.title}” created. Add insights to it.")
    return redirect(url_for("boards.edit", study_id=study_id, board_id=board.id), code=303)


@bp.get("/studies/<id:study_id>/boards/<id:board_id>")
@login_required
def show(study_id, board_id):
    membership = require(study_id, "view_boards")
    board = study_board(study_id, board_id)
    order = chosen_order()
    guard = NameGuard.of_study(study_id)
    views = board_view(board, order, guard=guard)
    return render_template("boards/board.html", study=membership.study, membership=membership, board=board,
                           views=views, order=order, orders=ORDERS, share=None, mask=guard.mask,
                           heat=heatmap(study_id, views),
                           can_build=allows(membership.role, "build_boards"))


@bp.get("/studies/<id:study_id>/boards/<id:board_id>/present")
@login_required
def present(study_id, board_id):
    membership = require(study_id, "view_boards")
    board = study_board(study_id, board_id)
    order = chosen_order()
    guard = NameGuard.of_study(study_id)
    return render_template("boards/present.html", study=membership.study, board=board, mask=guard.mask,
                           views=board_view(board, order, guard=guard), order=order, orders=ORDERS, share=None)


@bp.post("/studies/<id:study_id>/boards/<id:board_id>/reactions")
@login_required
def react(study_id, board_id):
    require(study_id, "view_boards")
    board = study_board(study_id, board_id)
    data, errors = load_form(ReactionSchema())
    if errors:
        abort(422, "Choose agree, surprised or question; a comment is at most 1,000 characters.")
    add_reaction(board, data, visitor_key_for_user(current_user), user=current_user.user)
    db.session.commit()
    flash("Thank you: your reaction is with the team.")
    return redirect(url_for("boards.show", study_id=study_id, board_id=board_id,
                            _anchor=f"insight-{data['insight_id']}"), code=303)


@bp.get("/studies/<id:study_id>/boards/<id:board_id>/media/<uuid:media_id>")
@login_required
def media(study_id, board_id, media_id):
    require(study_id, "view_boards")
    return board_media(study_board(study_id, board_id), media_id)
