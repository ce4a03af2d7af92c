"""The workspace's right column: a study's insights as a tree, with notes, breadth and journey strip."""
from dataclasses import dataclass, field

from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.insights.breadth import Breadth, breadth
from fieldnotes.insights.models import Insight, InsightNote
from fieldnotes.insights.oplog import counter
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Touchpoint

SORTS = ("position", "breadth")


@dataclass
class Card:
    insight: Insight
    notes: list
    breadth: Breadth
    depth: int = 0
    children: list = field(default_factory=list)

    def weight(self):
        b = self.breadth
        return (b.participants, b.organisations, b.notes)


def tree(study_id, sort="position"):
    """Top-level cards, children nested, siblings by position or by breadth (broadest first)."""
    insights = list(db.session.scalars(select(Insight).where(Insight.study_id == study_id)
                                       .order_by(Insight.position, Insight.id)))
    notes = {}
    # Columns, not note objects: a study's grouped notes can run to thousands.
    for note in db.session.execute(
            select(InsightNote.insight_id, Observation.id, Observation.text, Observation.kind,
                   Observation.touchpoint_id, Observation.participant_id, InsightNote.position)
            .join(Observation, Observation.id == InsightNote.observation_id)
            .join(Insight, Insight.id == InsightNote.insight_id)
            .where(Insight.study_id == study_id, Observation.deleted_at.is_(None))
            .order_by(InsightNote.position)).all():
        notes.setdefault(note.insight_id, []).append(note)
    widths = breadth([i.id for i in insights])
    cards = {i.id: Card(i, notes.get(i.id, []), widths.get(i.id, Breadth())) for i in insights}
    roots = []
    for card in cards.values():
        parent = cards.get(card.insight.parent_id)
        (parent.children if parent else roots).append(card)

    def arrange(level, depth):
        if sort == "breadth":
            level.sort(key=Card.weight, reverse=True)
        for card in level:
            card.depth = depth
            arrange(card.children, depth + 1)
    arrange(roots, 0)
    return roots


def flatten(cards):
    for card in cards:
        yield card
        yield from flatten(card.children)


def journey(study_id):
    return list(db.session.execute(Touchpoint.in_order(study_id, Touchpoint.id, Touchpoint.name)).all())


def as_json(study_id, cards):
    def one(card):
        i = card.insight
        return {"id": i.id, "parent_id": i.parent_id, "statement": i.statement, "position": i.position,
                "version": i.version, "note_ids": [str(n.id) for n in card.notes],
                "breadth": card.breadth.as_dict(), "children": [one(c) for c in card.children]}
    return {"counter": counter(study_id), "insights": [one(c) for c in cards]}
