"""What a board page shows: its insights in order, with breadth, journey strip, evidence, reactions.

Also the small pieces every board page shares (finding the board and item or 404, the chosen
order, marking a board changed), so that page modules need not import each other.
"""
from dataclasses import dataclass, field

from flask import abort, request
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, selectinload

from fieldnotes.auth.models import utcnow
from fieldnotes.boards.consent import consented_evidence
from fieldnotes.boards.models import Board, BoardItem, Reaction, ReactionKind
from fieldnotes.extensions import db
from fieldnotes.insights.breadth import breadth, descendants
from fieldnotes.insights.models import Insight, InsightNote
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Touchpoint
from fieldnotes.visits.names import NameGuard

ORDERS = {"journey": "Along the journey", "board": "Board order"}


def study_board(study_id, board_id):
    """The study's board, or 404: another study's board id looks like no board."""
    board = db.session.scalar(select(Board).where(Board.id == board_id, Board.study_id == study_id))
    if board is None:
        abort(404)
    return board


def board_item(board, item_id):
    """The board's item, or 404: another board's item id looks like no item."""
    item = db.session.scalar(select(BoardItem).where(BoardItem.id == item_id, BoardItem.board_id == board.id))
    if item is None:
        abort(404)
    return item


def chosen_order():
    """The order the page asked for (?order=), or along the journey."""
    return request.args.get("order") if request.args.get("order") in ORDERS else "journey"


def touch(board):
    """Mark the board changed now: the board list shows the latest changed first."""
    board.updated_at = utcnow()


def item_notes(items, facts=None):
    """{item id: set of live note ids} under each item's insight and its descendants, in one query.

    `facts`, if given, is filled with {note id: (touchpoint id, role id, kind)} for the heatmap.
    """
    under = descendants([item.insight_id for item in items])
    every = set().union(*under.values()) if under else set()
    rows = db.session.execute(
        select(InsightNote.insight_id, InsightNote.observation_id, Observation.touchpoint_id,
               Observation.role_id, Observation.kind)
        .join(Observation, Observation.id == InsightNote.observation_id)
        .where(InsightNote.insight_id.in_(every), Observation.deleted_at.is_(None))).all() if every else []
    by_insight = {}
    for insight_id, note_id, touchpoint_id, role_id, kind in rows:
        by_insight.setdefault(insight_id, set()).add(note_id)
        if facts is not None:
            facts[note_id] = (touchpoint_id, role_id, kind)
    return {item.id: set().union(*(by_insight.get(i, set()) for i in under.get(item.insight_id, {item.insight_id})))
            for item in items}


def board_items(board):
    """The board's items in order with their insights, in one query (not one per item)."""
    return db.session.scalars(select(BoardItem).where(BoardItem.board_id == board.id)
                              .options(joinedload(BoardItem.insight))
                              .order_by(BoardItem.position, BoardItem.id)).all()


@dataclass
class ItemView:
    item: BoardItem
    number: int = 0
    breadth: object = None
    strip: list = field(default_factory=list)   # (touchpoint name, has notes there), in journey order
    first_stage: int | None = None
    evidence: list = field(default_factory=list)
    reactions: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    note_facts: dict = field(default_factory=dict)  # note id: (touchpoint id, role id, kind)
    statement: str = ""  # the insight's statement with real names masked

    @property
    def insight(self):
        return self.item.insight

    @property
    def quotes(self):
        """The notes' words picked: customers' quotes and researchers' observations alike."""
        return [e for e in self.evidence if e.use == "quote"]

    @property
    def media(self):
        return [e for e in self.evidence if e.use != "quote"]


def journey(study_id):
    return db.session.execute(Touchpoint.in_order(study_id, Touchpoint.id, Touchpoint.name, Touchpoint.position,
                                                  Touchpoint.retired)).all()


def board_view(board, order="board", with_reactions=False, guard=None):
    """The board's items as pages show them; `order` "journey" sorts by earliest touchpoint, then board order.

    Text is shown through `guard` (the study's NameGuard, read here when not given), so no real name reaches
    a board, its presentation or its share link.
    """
    guard = guard or NameGuard.of_study(board.study_id)
    items = board_items(board)
    facts = {}
    notes = item_notes(items, facts)
    widths = breadth([item.insight_id for item in items])
    evidence = consented_evidence(notes, guard)
    stages = journey(board.study_id)
    rank = {tp.id: index for index, tp in enumerate(stages)}
    views = []
    for number, item in enumerate(items, 1):
        width = widths.get(item.insight_id)
        on = set(width.touchpoint_ids) if width else set()
        strip = [(tp.name, tp.id in on) for tp in stages if not tp.retired or tp.id in on]
        positions = [rank[t] for t in on if t in rank]
        views.append(ItemView(item=item, number=number, breadth=width, strip=strip,
                              note_facts={n: facts[n] for n in notes[item.id]},
                              statement=guard.mask(item.insight.statement),
                              first_stage=min(positions) if positions else None,
                              evidence=evidence.get(item.id, [])))
    if with_reactions:
        attach_reactions(board, views)
    if order == "journey":
        views.sort(key=lambda v: (v.first_stage is None, v.first_stage or 0, v.number))
    return views


def attach_reactions(board, views):
    """Reactions beside each insight: counts by kind, and the comments, newest first."""
    by_insight = {v.item.insight_id: v for v in views}
    for view in views:
        view.counts = {kind.value: 0 for kind in ReactionKind}
    rows = db.session.scalars(select(Reaction).where(Reaction.board_id == board.id)
                              .options(selectinload(Reaction.user))
                              .order_by(Reaction.created_at.desc(), Reaction.id.desc())).all()
    for reaction in rows:
        view = by_insight.get(reaction.insight_id)
        if view is None:
            continue
        view.counts[reaction.kind.value] += 1
        view.reactions.append(reaction)


def reaction_author(reaction):
    if reaction.user is not None:
        return reaction.user.name
    return f"{reaction.visitor_name} (share link)" if reaction.visitor_name else "A visitor by share link"


def study_insights(study_id):
    """Every insight of the study as (id, label) in tree order, themes' children indented by dashes."""
    rows = db.session.execute(select(Insight.id, Insight.parent_id, Insight.statement)
                              .where(Insight.study_id == study_id)
                              .order_by(Insight.position, Insight.id)).all()
    children = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    known = {row.id for row in rows}
    roots = [row for row in rows if row.parent_id is None or row.parent_id not in known]
    out = []

    def walk(row, depth):
        out.append((row.id, "— " * depth + (row.statement or "(no statement yet)")))
        for child in children.get(row.id, []):
            walk(child, depth + 1)
    for root in roots:
        walk(root, 0)
    return out


def next_position(board):
    return (db.session.scalar(select(func.max(BoardItem.position)).where(BoardItem.board_id == board.id)) or 0) + 1
