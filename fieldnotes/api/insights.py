"""The affinity work by the API: themes, the insights under them and the notes each groups."""
from flask_login import login_required

from fieldnotes.api import bp
from fieldnotes.api.contract import operation
from fieldnotes.api.schemas import InsightTreeSchema
from fieldnotes.insights.board import tree
from fieldnotes.visits.names import NameGuard

BREADTH = ("notes", "participants", "organisations", "roles", "touchpoints", "visits", "researchers")


def card_entry(card, guard):
    insight = card.insight
    return {"id": insight.id, "statement": guard.mask(insight.statement), "position": insight.position,
            "version": insight.version, "note_ids": [n.id for n in card.notes],
            "breadth": {k: getattr(card.breadth, k) for k in BREADTH},
            "children": [card_entry(child, guard) for child in card.children]}


@bp.get("/studies/<id:study_id>/insights")
@login_required
@operation(ok=(200, InsightTreeSchema), needs="view_notes")
def insights(study_id, membership):
    """Themes and insights as a tree, in the workspace's order, each with its live notes' ids and breadth."""
    guard = NameGuard.of_study(study_id)
    return InsightTreeSchema().dump({"insights": [card_entry(card, guard) for card in tree(study_id)]})
