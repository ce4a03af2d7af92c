"""Boards by the API, read-only: the same evidence the board page shows, consent and real names applied."""
from flask_login import login_required
from sqlalchemy import select

from fieldnotes.api import bp
from fieldnotes.api.contract import operation
from fieldnotes.api.insights import BREADTH
from fieldnotes.api.schemas import BoardListSchema, BoardSchema
from fieldnotes.boards.models import Board
from fieldnotes.boards.service import board_view, study_board
from fieldnotes.extensions import db
from fieldnotes.visits.names import NameGuard


def summary(board, guard):
    return {"id": board.id, "title": guard.mask(board.title), "narrative": guard.mask(board.narrative),
            "updated_at": board.updated_at}


def item_entry(view):
    return {"insight_id": view.item.insight_id, "statement": view.statement,
            "breadth": {k: getattr(view.breadth, k) for k in BREADTH} if view.breadth else None,
            "evidence": [{"use": e.use, "text": e.text, "who": e.who, "quoted": e.quoted,
                          "attachment_id": e.attachment_id, "recording_id": e.recording_id,
                          "mime": e.mime} for e in view.evidence]}


@bp.get("/studies/<id:study_id>/boards")
@login_required
@operation(ok=(200, BoardListSchema), needs="view_boards")
def boards(study_id, membership):
    """The study's boards, latest changed first."""
    found = db.session.scalars(select(Board).where(Board.study_id == study_id)
                               .order_by(Board.updated_at.desc(), Board.id.desc())).all()
    guard = NameGuard.of_study(study_id)
    return BoardListSchema().dump({"boards": [summary(b, guard) for b in found]})


@bp.get("/studies/<id:study_id>/boards/<id:board_id>")
@login_required
@operation(ok=(200, BoardSchema), needs="view_boards")
def board(study_id, board_id, membership):
    """One board in its order: each insight's statement, breadth and the evidence consent allows."""
    found = study_board(study_id, board_id)
    guard = NameGuard.of_study(study_id)
    items = [item_entry(view) for view in board_view(found, guard=guard)]
    return BoardSchema().dump({**summary(found, guard), "items": items})
