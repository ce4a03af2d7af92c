"""A board by share link: read-only, no account, noindex, expiring, revocable, scoped to one board."""
import secrets

from flask import abort, flash, redirect, render_template, request, session, url_for
from sqlalchemy import select

from fieldnotes.auth.models import utcnow
from fieldnotes.boards import bp
from fieldnotes.boards.heatmap import heatmap
from fieldnotes.boards.media import board_media
from fieldnotes.boards.models import ShareLink
from fieldnotes.boards.reactions import add_reaction, visitor_key_for_cookie
from fieldnotes.boards.schemas import ReactionSchema
from fieldnotes.boards.service import ORDERS, board_view, chosen_order
from fieldnotes.extensions import db
from fieldnotes.forms import load_form
from fieldnotes.tokens import token_digest
from fieldnotes.visits.names import NameGuard

SHARED = {"boards.shared", "boards.shared_present", "boards.shared_media", "boards.shared_react"}
GONE = ("This share link has expired or was revoked, or it was never a link to a board. "
        "Ask the person who sent it for a new one.")


@bp.after_app_request
def share_headers(response):
    """On every share-link response, errors included: no referrer leaks the token, no cache, no index."""
    if request.endpoint in SHARED:
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["Cache-Control"] = "no-store"
        response.headers["X-Robots-Tag"] = "noindex"
    return response


def live_link(token):
    """The live share link for `token`, or 404 with a message saying the link no longer works."""
    link = db.session.scalar(select(ShareLink).where(ShareLink.token_hash == token_digest(token)))
    if link is None or not link.live(utcnow()):
        abort(404, GONE)
    return link


@bp.get("/share/<token>")
def shared(token):
    link = live_link(token)
    board = link.board
    order = chosen_order()
    guard = NameGuard.of_study(board.study_id)
    views = board_view(board, order, guard=guard)
    return render_template("boards/board.html", study=None, membership=None, board=board, mask=guard.mask,
                           views=views, order=order, orders=ORDERS, share=link, token=token,
                           heat=heatmap(board.study_id, views), can_build=False)


@bp.get("/share/<token>/present")
def shared_present(token):
    link = live_link(token)
    order = chosen_order()
    guard = NameGuard.of_study(link.board.study_id)
    return render_template("boards/present.html", study=None, board=link.board, share=link, token=token,
                           mask=guard.mask, views=board_view(link.board, order, guard=guard), order=order,
                           orders=ORDERS)


@bp.get("/share/<token>/media/<uuid:media_id>")
def shared_media(token, media_id):
    return board_media(live_link(token).board, media_id)


@bp.post("/share/<token>/reactions")
def shared_react(token):
    link = live_link(token)
    data, errors = load_form(ReactionSchema())
    if errors:
        abort(422, "Choose agree, surprised or question; a comment is at most 1,000 characters, a name 80.")
    # A random key in the (signed) session cookie tells one visitor from another for the cap.
    session.setdefault("board_visitor", secrets.token_urlsafe(16))
    add_reaction(link.board, data, visitor_key_for_cookie(session["board_visitor"]), share_link=link)
    db.session.commit()
    flash("Thank you: your reaction is with the team.")
    return redirect(url_for("boards.shared", token=token, _anchor=f"insight-{data['insight_id']}"), code=303)
