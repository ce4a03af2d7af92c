"""Ending a workshop: its groups become ordinary insights, and groups with groups under them themes.

Each is made by the affinity workspace's own move (`insights.service.create_insight`), so each is
in the move log of the person who ended the workshop: undo in the workspace takes them back one by
one, like any insight they made by hand. A note already in an insight moves to the new one (a note
belongs to one insight); deleted notes are left out; empty groups make nothing.
"""
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.insights import service as insights
from fieldnotes.observations.models import Observation
from fieldnotes.workshops import service
from fieldnotes.workshops.models import Card, WorkshopGroup


def live_cards(workshop, group):
    return list(db.session.scalars(
        select(Card.observation_id).join(Observation, Observation.id == Card.observation_id)
        .where(Card.workshop_id == workshop.id, Card.group_id == group.id, Observation.deleted_at.is_(None))
        .order_by(Card.position, Card.observation_id)))


def end(workshop, user_id):
    """Make the insights and themes; returns how many insights were made. Nothing is committed."""
    service.check_not_ended(workshop)
    seq = service.take_seq(workshop)
    service.check_not_ended(workshop)
    groups = list(db.session.scalars(select(WorkshopGroup).where(
        WorkshopGroup.workshop_id == workshop.id, WorkshopGroup.merged_into.is_(None))
        .order_by(WorkshopGroup.number)))
    children = {}
    for group in groups:
        if group.parent_id is not None:
            children.setdefault(group.parent_id, []).append(group)
    made = 0
    for group in (g for g in groups if g.parent_id is None):
        notes = live_cards(workshop, group)
        kids = [(kid, live_cards(workshop, kid)) for kid in children.get(group.id, [])]
        kids = [(kid, kid_notes) for kid, kid_notes in kids if kid_notes]
        if not notes and not kids:
            continue
        theme = insights.create_insight(workshop.study_id, user_id, group.label, notes)
        group.insight_id = theme.id
        made += 1
        for kid, kid_notes in kids:
            kid.insight_id = insights.create_insight(workshop.study_id, user_id, kid.label, kid_notes,
                                                     parent_id=theme.id).id
            made += 1
    service.finish(workshop, user_id)
    service.log(workshop, seq, user_id, "end", insights=made)
    return made
