"""Demo board: the demo study's strongest insights, with consented quotes and photos, for the viewer."""
from sqlalchemy import select

from fieldnotes.boards.evidence import candidates
from fieldnotes.boards.models import Board, BoardItem, Evidence, Reaction, ReactionKind
from fieldnotes.boards.reactions import visitor_key_for_user
from fieldnotes.boards.service import item_notes
from fieldnotes.extensions import db
from fieldnotes.insights.models import Insight
from fieldnotes.observations.models import Kind

TITLE = "Month end, seen from the finance office"
NARRATIVE = ("Nine people at three mid-size accounts showed us how they get invoices paid. "
             "They carry data between systems by hand and chase approvals on foot. "
             "These are their words and pictures, with their consent.")
QUOTES, PHOTOS = 2, 1  # per insight: an executive reads a few, not all


def seed_board(demo):
    """One board of up to five insights; skipped quietly when the demo has no insights."""
    study = demo["study"]
    insights = demo.get("insights") or db.session.scalars(
        select(Insight).where(Insight.study_id == study.id, Insight.parent_id.is_not(None))
        .order_by(Insight.id)).all()
    if not insights:
        return
    board = Board(study_id=study.id, title=TITLE, narrative=NARRATIVE, created_by=demo["users"]["designer"].id)
    db.session.add(board)
    for position, insight in enumerate(insights[:5], 1):
        board.items.append(BoardItem(insight_id=insight.id, position=position))
    db.session.flush()
    notes = item_notes(board.items)
    for item in board.items:
        pick_evidence(item, notes[item.id])
    viewer = demo["users"]["viewer"]
    db.session.add(Reaction(board_id=board.id, insight_id=board.items[0].insight_id, user_id=viewer.id,
                            visitor_key=visitor_key_for_user(viewer), kind=ReactionKind.SURPRISED,
                            comment="I did not know invoices were typed in twice. How many hours a month is that?"))
    demo["board"] = board


def pick_evidence(item, note_ids):
    """The first consented quotes and photo of the item's notes, in capture order (candidates() checks consent)."""
    offered, _ = candidates(note_ids)
    # Verbatim quote notes first: an observation's text is the researcher's words, not the customer's.
    # The demo's sentence bank repeats: one copy of each sentence.
    distinct = {c["text"]: c for c in reversed(offered) if c["use"] == "quote"}.values()
    quotes = sorted(distinct, key=lambda c: c["kind"] != Kind.QUOTE)[:QUOTES]
    photos = [c for c in offered if c["use"] == "photo"][:PHOTOS]
    for position, chosen in enumerate(quotes + photos, 1):
        item.evidence.append(Evidence(observation_id=chosen["note_id"], position=position,
                                      attachment_id=chosen["attachment"].id if chosen["attachment"] else None))
