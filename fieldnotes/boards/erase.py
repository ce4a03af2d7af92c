"""Erasing a participant takes their words and pictures off every board, and their name off its text.

Runs before the notes change (visits/service.py runs erasers newest first), while the notes still
name the participant: every piece of evidence picked from their notes goes, whatever the team
keeps of the notes themselves. Text a board shows that names them (real name or pseudonym, typed
by a visitor or the team: reactions, titles, narratives, insight statements) keeps its words with
the name replaced. The real-name guard cannot mask it later: the erased name is no longer known.
"""
from sqlalchemy import delete, func, select

from fieldnotes.auth.models import utcnow
from fieldnotes.boards.models import Board, BoardItem, Evidence, Reaction
from fieldnotes.extensions import db
from fieldnotes.insights.models import Insight, InsightOp
from fieldnotes.insights.oplog import advance
from fieldnotes.observations import changes
from fieldnotes.observations.models import Observation
from fieldnotes.transcripts.models import Recording
from fieldnotes.visits.service import ERASERS, HOLDINGS, names_them


def their_evidence(participant):
    """Picks from their notes, and clips of interviews recording them (whoever's note the highlight is now)."""
    notes = select(Observation.id).where(Observation.participant_id == participant.id)
    voice = select(Recording.id).where(Recording.participant_id == participant.id)
    return Evidence.observation_id.in_(notes) | Evidence.recording_id.in_(voice)


def count_holdings(participant, pattern):
    """Pieces of evidence from their notes, the boards showing them, and board text naming them."""
    pieces, boards = db.session.execute(
        select(func.count(Evidence.id), func.count(BoardItem.board_id.distinct()))
        .join(BoardItem, BoardItem.id == Evidence.board_item_id).where(their_evidence(participant))).one()
    return {"evidence": pieces, "boards": boards,
            "naming_reactions": len(reactions_naming(participant, pattern)),
            "naming_boards": len(boards_naming(participant, pattern)),
            "naming_insights": len(insights_naming(participant, pattern))}


def reactions_naming(participant, pattern):
    rows = db.session.scalars(select(Reaction).join(Board, Board.id == Reaction.board_id)
                              .where(Board.study_id == participant.study_id, Reaction.comment != "")).all()
    return [r for r in rows if names_them(pattern, r.comment, r.visitor_name)]


def boards_naming(participant, pattern):
    rows = db.session.scalars(select(Board).where(Board.study_id == participant.study_id)).all()
    return [b for b in rows if names_them(pattern, b.title, b.narrative)]


def insights_naming(participant, pattern):
    rows = db.session.scalars(select(Insight).where(Insight.study_id == participant.study_id)).all()
    return [i for i in rows if names_them(pattern, i.statement)]


def scrubbed(value, erasure):
    """Every string in a JSON value scrubbed (an insight move's before-and-after snapshots)."""
    if isinstance(value, str):
        return erasure.scrub(value)
    if isinstance(value, dict):
        return {key: scrubbed(item, erasure) for key, item in value.items()}
    if isinstance(value, list):
        return [scrubbed(item, erasure) for item in value]
    return value


def scrub_insights(erasure):
    """Statements naming them, and the move log's copies of them, so no undo brings the name back.

    A new version of each insight (a stale undo then refuses, as for any change made meanwhile),
    and the study's insight counter moves, so open workspaces fetch the statements again.
    """
    named = insights_naming(erasure.participant, erasure.pattern)
    if not named:
        return
    advance(erasure.participant.study_id)
    for insight in named:
        insight.statement = erasure.scrub(insight.statement)
        insight.version += 1
        insight.updated_at = utcnow()
        erasure.counts["naming_insights"] += 1
    for op in db.session.scalars(select(InsightOp).where(InsightOp.study_id == erasure.participant.study_id)):
        if names_them(erasure.pattern, str(op.data)):
            op.data = scrubbed(op.data, erasure)


def forget_evidence(erasure):
    participant = erasure.participant
    changes.lock_counter()  # before any write, as in every transaction that changes notes (the next eraser)
    erasure.counts.update({key: count for key, count in count_holdings(participant, erasure.pattern).items()
                           if key in ("evidence", "boards")})
    db.session.execute(delete(Evidence).where(their_evidence(participant)).execution_options(
        synchronize_session=False))
    for reaction in reactions_naming(participant, erasure.pattern):
        reaction.comment, reaction.visitor_name = erasure.scrub(reaction.comment), erasure.scrub(reaction.visitor_name)
        erasure.counts["naming_reactions"] += 1
    for board in boards_naming(participant, erasure.pattern):
        board.title, board.narrative = erasure.scrub(board.title), erasure.scrub(board.narrative)
        erasure.counts["naming_boards"] += 1
    scrub_insights(erasure)


if forget_evidence not in ERASERS:
    ERASERS.append(forget_evidence)
if count_holdings not in HOLDINGS:
    HOLDINGS.append(count_holdings)
