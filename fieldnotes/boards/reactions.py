"""Recording executives' reactions, capped per person so a share link cannot flood a board."""
import hashlib

from flask import abort
from sqlalchemy import func, select

from fieldnotes.boards.models import BoardItem, Reaction
from fieldnotes.extensions import db

PER_VISITOR = 30      # reactions one person may leave on one board
PER_SHARE_LINK = 300  # all visitors of one link together (clearing cookies does not get past this)


def visitor_key_for_user(user):
    return f"user:{user.id}"


def visitor_key_for_cookie(secret):
    # The cookie's random key is kept hashed, as the share token is: the table never holds it.
    return "visitor:" + hashlib.sha256(secret.encode()).hexdigest()[:64]


def too_many(board, visitor_key, share_link=None):
    mine = db.session.scalar(select(func.count()).select_from(Reaction).where(
        Reaction.board_id == board.id, Reaction.visitor_key == visitor_key))
    if mine >= PER_VISITOR:
        return f"You have left {PER_VISITOR} reactions on this board, the most one person may."
    if share_link is not None and db.session.scalar(select(func.count()).select_from(Reaction).where(
            Reaction.share_link_id == share_link.id)) >= PER_SHARE_LINK:
        return "This share link has taken all the reactions it can. Ask the team for a new link."
    return None


def add_reaction(board, data, visitor_key, user=None, share_link=None):
    """Add a reaction to an insight on `board`; 404 if the insight is not on it. The caller commits."""
    on_board = db.session.scalar(select(BoardItem.id).where(
        BoardItem.board_id == board.id, BoardItem.insight_id == data["insight_id"]))
    if on_board is None:
        abort(404, "That insight is not on this board.")
    problem = too_many(board, visitor_key, share_link)
    if problem:
        abort(429, problem)
    reaction = Reaction(board_id=board.id, insight_id=data["insight_id"], kind=data["kind"],
                        comment=data["comment"], visitor_key=visitor_key,
                        user_id=user.id if user else None, share_link_id=share_link.id if share_link else None,
                        visitor_name=(data["name"] or None) if user is None else None)
    db.session.add(reaction)
    return reaction
