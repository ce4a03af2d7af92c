"""Dealing hands: every card not on the wall, among the people who joined, evenly or by visit or role.

By visit (or role), whole visits go to one person, the largest first to whoever holds least, so the
hands stay close in size while each person reads one customer's story at a time. A late joiner is
dealt an even share taken from the backs of the biggest hands (never the card someone is reading).
"""
from collections import defaultdict

from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.workshops.models import Card, Deal


def unplaced(workshop):
    """The cards not on the wall, with the visit and role of their notes, in the deck's order."""
    return db.session.execute(
        select(Card, Observation.visit_id, Observation.role_id)
        .join(Observation, Observation.id == Card.observation_id)
        .where(Card.workshop_id == workshop.id, Card.group_id.is_(None))
        .order_by(Card.position, Card.observation_id)).all()


def deal(workshop, people):
    rows = unplaced(workshop)
    hands = {person: [] for person in people}
    if workshop.deal == Deal.EVENLY:
        for index, (card, _visit, _role) in enumerate(rows):
            hands[people[index % len(people)]].append(card)
    else:
        piles = defaultdict(list)
        for card, visit, role in rows:
            piles[visit if workshop.deal == Deal.BY_VISIT else role].append(card)
        for pile in sorted(piles.values(), key=len, reverse=True):
            lightest = min(people, key=lambda person: (len(hands[person]), people.index(person)))
            hands[lightest].extend(pile)
    for person, cards in hands.items():
        for position, card in enumerate(cards, start=1):
            card.holder_id, card.position = person, position
            card.version += 1
    return len(rows)


def share_with(workshop, newcomer, people):
    """Give `newcomer` about 1/len(people) of the cards in hands, from the backs of the biggest ones."""
    hands = defaultdict(list)
    for card, _visit, _role in unplaced(workshop):
        if card.holder_id is not None:
            hands[card.holder_id].append(card)
    total = sum(len(cards) for cards in hands.values())
    share = total // len(people)
    given = 0
    while given < share:
        biggest = max(hands, key=lambda person: len(hands[person]), default=None)
        if biggest is None or len(hands[biggest]) <= 1:
            break
        card = hands[biggest].pop()
        given += 1
        card.holder_id, card.position = newcomer, given
        card.version += 1
    return given
