"""What a screen shows, read from the database: the wall, one person's hand, and the moves since n.

Every screen (TV or phone) asks `screen(workshop, user_id, since)` whenever it is told (or, polling,
finds) that the workshop's sequence number moved past what it drew. The answer is the whole wall
and hand as they now are, plus the moves after `since` for the notices ("Sam moved this card to …");
a screen that missed pokes, or reconnects, still ends up with exactly what the database holds.
"""
from sqlalchemy import case, func, select

from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.workshops import cards as card_faces
from fieldnotes.workshops.models import Card, Seat, WorkshopGroup, WorkshopMove
from fieldnotes.workshops.service import person_names

MOVES_TOLD = 200  # a screen far behind redraws from the wall; it does not need every notice


def wall_rows(workshop):
    """The groups on the wall and the placed cards, as plain rows (every screen asks after every move)."""
    groups = db.session.execute(select(WorkshopGroup.id, WorkshopGroup.number, WorkshopGroup.name,
                                       WorkshopGroup.parent_id).where(
        WorkshopGroup.workshop_id == workshop.id, WorkshopGroup.merged_into.is_(None))
        .order_by(WorkshopGroup.number)).all()
    placed = db.session.execute(select(Card.group_id, Card.observation_id, Card.version).where(
        Card.workshop_id == workshop.id, Card.group_id.is_not(None))
        .order_by(Card.group_id, Card.position, Card.observation_id)).all()
    return groups, placed


def wall(groups, placed, faces, faces_too=True):
    """[group dict] in number order, with their cards in order. A phone shows each group's name and
    count only, so it asks without the cards' faces (`faces_too=False`: each card is its id and version)."""
    by_group = {}
    for row in placed:
        by_group.setdefault(row.group_id, []).append(card_json(row, faces, faces_too))
    return [{"id": g.id, "label": g.name or f"Group {g.number}", "named": bool(g.name), "parent": g.parent_id,
             "cards": by_group.get(g.id, [])} for g in groups]


def card_json(row, faces, with_face=True):
    if not with_face:
        return {"id": str(row.observation_id), "version": row.version}
    face = faces.get(row.observation_id)
    shown = face.as_json() if face else {"id": str(row.observation_id), "text": "", "withheld": "Words withheld.",
                                         "who": "", "kind": "", "touchpoint": "", "photo": None}
    return {**shown, "version": row.version}


def hand_rows(workshop, user_id):
    return db.session.execute(select(Card.observation_id, Card.version).where(
        Card.workshop_id == workshop.id, Card.holder_id == user_id, Card.group_id.is_(None))
        .order_by(Card.position, Card.observation_id)).all()


def hand(held, faces, faces_too=True):
    """The person's cards in order; a phone shows the first one only, so only its face is read then."""
    return [card_json(row, faces, with_face=faces_too or index == 0) for index, row in enumerate(held)]


def counts(workshop):
    total, placed, in_hands = db.session.execute(select(
        func.count(), func.count(Card.group_id),
        func.count(case((Card.group_id.is_(None) & Card.holder_id.is_not(None), 1))))
        .where(Card.workshop_id == workshop.id)).one()
    return {"cards": total, "placed": placed, "in_hands": in_hands}


def people(workshop):
    """[(user id, name)] of those who joined, in joining order."""
    return db.session.execute(select(Seat.user_id, User.name).join(User, User.id == Seat.user_id)
                              .where(Seat.workshop_id == workshop.id).order_by(Seat.id)).all()


def move_rows(workshop, since):
    return list(db.session.scalars(select(WorkshopMove).where(
        WorkshopMove.workshop_id == workshop.id, WorkshopMove.seq > since)
        .order_by(WorkshopMove.seq.desc()).limit(MOVES_TOLD)))[::-1]


def moves_since(rows, labels, faces):
    names = person_names({r.user_id for r in rows} | {r.data.get("replaced") for r in rows}
                         | {r.data.get("to_holder") for r in rows})
    gone = {r.data.get("to_group") for r in rows} - set(labels) - {None}  # merged away since: their old names
    if gone:
        labels = {**labels, **{g.id: g.name or f"Group {g.number}" for g in db.session.execute(select(
            WorkshopGroup.id, WorkshopGroup.number, WorkshopGroup.name).where(WorkshopGroup.id.in_(gone)))}}
    return [move_json(r, names, labels, faces) for r in rows]


def short(text, width=60):
    return text if len(text) <= width else text[:width - 1] + "…"


def move_json(move, names, labels, faces):
    by = names.get(move.user_id, "Someone")
    data = move.data or {}
    where = (f"“{labels.get(data.get('to_group'), 'a group')}”" if move.kind == "place"
             else names.get(data.get("to_holder"), "the next person") + "’s hand" if move.kind == "pass" else "")
    return {"seq": move.seq, "kind": move.kind, "by": by, "by_id": move.user_id,
            "card": str(move.observation_id) if move.observation_id else None,
            "replaced": data.get("replaced"), "to_group": data.get("to_group"), "where": where,
            # The card's words as the wall shows them (consent applied), for "Sam moved this card to …".
            "text": short(faces[move.observation_id].text) if move.observation_id in faces else None}


def screen(workshop, user_id, since=None, faces_too=True):
    """The JSON a screen draws from; just the number when nothing moved since `since`.

    The faces of every card it shows (the wall's, or a phone's top card, and the moves' cards) are
    read in one go: a screen is fetched by every open screen after every move.
    """
    if since is not None and since >= workshop.seq:
        return {"seq": workshop.seq}
    groups, placed = wall_rows(workshop)
    held = hand_rows(workshop, user_id)
    moves = move_rows(workshop, since) if since is not None else []
    wanted = {row.observation_id for row in (held if faces_too else held[:1])}
    wanted |= {row.observation_id for row in placed} if faces_too else set()
    wanted |= {m.observation_id for m in moves if m.observation_id}
    faces = card_faces.faces(workshop.study_id, wanted)
    shown = wall(groups, placed, faces, faces_too)
    seated = people(workshop)
    return {"seq": workshop.seq, "state": str(workshop.state), "dealt": workshop.dealt, "title": workshop.title,
            "groups": shown, "hand": hand(held, faces, faces_too), "counts": counts(workshop),
            "people": [name for _, name in seated], "seated": any(uid == user_id for uid, _ in seated),
            "moves": moves_since(moves, {g["id"]: g["label"] for g in shown}, faces)}
