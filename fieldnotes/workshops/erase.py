"""Erasing a participant takes their notes' cards off every workshop's wall and hands.

Runs before the notes change (erasers run newest first), while the notes still name the
participant. Each workshop that lost a card takes a move number, so open screens redraw without
it. Group names typed with their name in it keep their words with the name replaced, and so do the
move log's copies of those names. The log's moves of their cards stay (who moved what, when) but
no longer name the note.
"""
from sqlalchemy import delete, func, select, update

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.visits.service import ERASERS, HOLDINGS, names_them
from fieldnotes.workshops import service
from fieldnotes.workshops.models import Card, Workshop, WorkshopGroup, WorkshopMove


def their_notes(participant):
    return select(Observation.id).where(Observation.participant_id == participant.id)


def groups_naming(participant, pattern):
    rows = db.session.scalars(select(WorkshopGroup).join(Workshop, Workshop.id == WorkshopGroup.workshop_id)
                              .where(Workshop.study_id == participant.study_id, WorkshopGroup.name != "")).all()
    return [g for g in rows if names_them(pattern, g.name)]


def count_holdings(participant, pattern):
    cards = db.session.scalar(select(func.count()).select_from(Card).where(
        Card.observation_id.in_(their_notes(participant))))
    return {"workshop_cards": cards, "naming_workshop_groups": len(groups_naming(participant, pattern))}


def forget_cards(erasure):
    participant = erasure.participant
    touched = set(db.session.scalars(select(Card.workshop_id).where(
        Card.observation_id.in_(their_notes(participant))).distinct()))
    named = groups_naming(participant, erasure.pattern)
    touched |= {g.workshop_id for g in named}
    erasure.counts["workshop_cards"] = db.session.execute(delete(Card).where(
        Card.observation_id.in_(their_notes(participant))).execution_options(synchronize_session=False)).rowcount
    db.session.execute(update(WorkshopMove).where(WorkshopMove.observation_id.in_(their_notes(participant)))
                       .values(observation_id=None).execution_options(synchronize_session=False))
    for group in named:
        group.name = erasure.scrub(group.name)
        erasure.counts["naming_workshop_groups"] += 1
    for workshop_id in sorted(touched):
        workshop = db.session.get(Workshop, workshop_id)
        for move in db.session.scalars(select(WorkshopMove).where(
                WorkshopMove.workshop_id == workshop_id, WorkshopMove.kind == "name")):
            if names_them(erasure.pattern, move.data.get("name")):
                move.data = {**move.data, "name": erasure.scrub(move.data["name"])}
        service.log(workshop, service.take_seq(workshop), erasure.erased_by, "erase")


if forget_cards not in ERASERS:
    ERASERS.append(forget_cards)
if count_holdings not in HOLDINGS:
    HOLDINGS.append(count_holdings)
