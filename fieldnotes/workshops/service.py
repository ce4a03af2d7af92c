"""Workshop moves: start, join, deal, place, pass, and the facilitator's; one function each, none commits.

Every move takes the workshop's next sequence number first (`take_seq`: an UPDATE, so on PostgreSQL
the workshop's row lock makes moves in one workshop go one at a time; on SQLite the writer's turn
does) and logs itself in WorkshopMove with that number. Screens read the log as the change feed.

Two phones moving one card: both moves are made, in the order they reach the server, so the later
wins; the later one's log entry names whose move it replaced (`replaced`), which is how the earlier
phone is told.
"""
import secrets
import uuid

from sqlalchemy import func, select, update

from fieldnotes import live
from fieldnotes.auth.models import User, utcnow
from fieldnotes.errors import Conflict, NotFound, Refused
from fieldnotes.extensions import db
from fieldnotes.workshops import dealing
from fieldnotes.workshops.models import (Card, Deal, Seat, Workshop, WorkshopGroup, WorkshopMove,
                                         WorkshopState)

# No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a code read off a TV across a room and typed on a phone.
CODE_LETTERS = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6
MOST_CARDS = 600  # a wall people can still read; more notes want a filter
NAME_MAX = 200


def new_code():
    while True:
        code = "".join(secrets.choice(CODE_LETTERS) for _ in range(CODE_LENGTH))
        if db.session.scalar(select(Workshop.id).where(Workshop.code == code)) is None:
            return code


def normal_code(typed):
    """What someone typed, as a code: case and spaces ignored, and the look-alikes read as meant."""
    code = "".join((typed or "").upper().split()).replace("-", "")
    return code.translate(str.maketrans({"0": "Q", "O": "Q", "1": "T", "I": "T", "L": "T"}))[:CODE_LENGTH * 2]


def take_seq(workshop):
    """The workshop's next move number, under its row lock (moves in one workshop go one at a time).

    Every move passes here, so this is where open screens are told (a poke after the commit, live.py).
    """
    db.session.execute(update(Workshop).where(Workshop.id == workshop.id).values(seq=Workshop.seq + 1))
    db.session.refresh(workshop)  # after the lock: the state another move left it in
    live.announce(live_topic(workshop.id))
    return workshop.seq


def live_topic(workshop_id):
    return live.topic_for("workshop", workshop_id)


def current_seq(workshop_id):
    return db.session.scalar(select(Workshop.seq).where(Workshop.id == workshop_id)) or 0


def log(workshop, seq, user_id, kind, observation_id=None, **data):
    """Log a move under the number it took first (`take_seq`, before any check reads the workshop)."""
    db.session.add(WorkshopMove(workshop_id=workshop.id, seq=seq, user_id=user_id, kind=kind,
                                observation_id=observation_id, data=data))
    return seq


def start(study_id, user_id, title, deal, note_ids, scope):
    title = " ".join((title or "").split())
    if not title:
        raise Refused(errors={"title": ["Give the workshop a title the room will see on the wall."]})
    if len(title) > NAME_MAX:
        raise Refused(errors={"title": [f"A title has at most {NAME_MAX} characters."]})
    if not note_ids:
        raise Refused("There are no notes to deal: choose a visit or a filter with notes in it.")
    if len(note_ids) > MOST_CARDS:
        raise Refused(f"More than {MOST_CARDS} notes is more than a wall can hold: start from a filter or a visit.")
    workshop = Workshop(study_id=study_id, title=title, code=new_code(), deal=Deal(deal), scope=scope,
                        created_by=user_id)
    db.session.add(workshop)
    db.session.flush()
    seq = take_seq(workshop)
    db.session.add_all(Card(workshop_id=workshop.id, observation_id=note_id, position=position)
                       for position, note_id in enumerate(note_ids, start=1))
    log(workshop, seq, user_id, "start", cards=len(note_ids))
    db.session.flush()
    return workshop


def workshop_in(study_id, workshop_id):
    workshop = db.session.get(Workshop, workshop_id)
    if workshop is None or workshop.study_id != study_id:
        raise NotFound("No such workshop in this study.")
    return workshop


def by_code(code):
    return db.session.scalar(select(Workshop).where(Workshop.code == normal_code(code)))


def seats(workshop_id):
    return list(db.session.scalars(select(Seat).where(Seat.workshop_id == workshop_id).order_by(Seat.id)))


def seat_of(workshop_id, user_id):
    return db.session.scalar(select(Seat).where(Seat.workshop_id == workshop_id, Seat.user_id == user_id))


def join(workshop, user_id):
    """Take a seat (once); after the deal, a late joiner gets an even share from the others' hands."""
    if workshop.state == WorkshopState.ENDED:
        raise Refused("This workshop has ended: its groups are insights in the affinity workspace now.")
    seq = take_seq(workshop)
    seat = seat_of(workshop.id, user_id)
    if seat is not None:
        return seat
    seat = Seat(workshop_id=workshop.id, user_id=user_id)
    db.session.add(seat)
    db.session.flush()
    given = dealing.share_with(workshop, user_id, [s.user_id for s in seats(workshop.id)]) if workshop.dealt else 0
    log(workshop, seq, user_id, "join", cards=given)
    return seat


def deal(workshop, user_id):
    """Deal every card not yet on the wall among those who joined, as the workshop's deal says."""
    check_open(workshop)
    seq = take_seq(workshop)
    people = [s.user_id for s in seats(workshop.id)]
    if not people:
        raise Refused("Nobody has joined yet: ask the room to scan the code, then deal.")
    dealt = dealing.deal(workshop, people)
    workshop.dealt = True
    log(workshop, seq, user_id, "deal", cards=dealt, people=len(people))
    return dealt


def check_open(workshop):
    if workshop.state == WorkshopState.ENDED:
        raise Refused("This workshop has ended: its groups are insights in the affinity workspace now.")
    if workshop.state == WorkshopState.LOCKED:
        raise Conflict("The facilitator has locked the wall: cards stay where they are for now.")


def card_of(workshop, note_id):
    try:
        key = note_id if isinstance(note_id, uuid.UUID) else uuid.UUID(str(note_id))
    except ValueError:
        raise NotFound("No such card in this workshop.") from None
    card = db.session.get(Card, (workshop.id, key))
    if card is None:
        raise NotFound("No such card in this workshop.")
    return card


def group_of(workshop, group_id):
    group = db.session.get(WorkshopGroup, group_id) if isinstance(group_id, int) else None
    if group is None or group.workshop_id != workshop.id:
        raise NotFound("No such group on this wall.")
    while group.merged_into is not None:  # a phone that saw a group before its merge: where its cards went
        group = db.session.get(WorkshopGroup, group.merged_into)
    return group


def new_group(workshop, user_id):
    number = (db.session.scalar(select(func.max(WorkshopGroup.number)).where(
        WorkshopGroup.workshop_id == workshop.id)) or 0) + 1
    group = WorkshopGroup(workshop_id=workshop.id, number=number, created_by=user_id)
    db.session.add(group)
    db.session.flush()
    return group


def replaced(card, user_id, seen_version):
    """Whose move this one overrides: someone else moved the card after this phone last saw it."""
    if seen_version is None or seen_version == card.version or card.moved_by in (None, user_id):
        return None
    return card.moved_by


def moved(card, user_id):
    card.version += 1
    card.moved_by = user_id


def place(workshop, user_id, note_id, group_id=None, seen_version=None):
    """Put a card in a group (None: a new one); returns (seq, group). The later of two moves wins."""
    check_open(workshop)
    seq = take_seq(workshop)
    check_open(workshop)  # again, as the lock left it: a lock made while this move waited wins
    card = card_of(workshop, note_id)
    group = group_of(workshop, group_id) if group_id is not None else new_group(workshop, user_id)
    before = {"group": card.group_id, "holder": card.holder_id}
    over = replaced(card, user_id, seen_version)
    card.group_id, card.holder_id = group.id, None
    card.position = next_position(workshop.id, Card.group_id == group.id)
    moved(card, user_id)
    seq = log(workshop, seq, user_id, "place", card.observation_id, to_group=group.id, new=group_id is None,
              from_group=before["group"], from_holder=before["holder"], replaced=over)
    return seq, group


def next_position(workshop_id, where):
    return (db.session.scalar(select(func.max(Card.position)).where(Card.workshop_id == workshop_id, where)) or 0) + 1


def pass_on(workshop, user_id, note_id, seen_version=None):
    """Give a card to the next person (in joining order) after its holder, at the back of their hand."""
    check_open(workshop)
    seq = take_seq(workshop)
    check_open(workshop)
    card = card_of(workshop, note_id)
    people = [s.user_id for s in seats(workshop.id)]
    if not people:
        raise Refused("Nobody has joined this workshop.")
    giver = card.holder_id if card.holder_id in people else user_id
    receiver = people[(people.index(giver) + 1) % len(people)] if giver in people else people[0]
    before = {"group": card.group_id, "holder": card.holder_id}
    over = replaced(card, user_id, seen_version)
    card.group_id, card.holder_id = None, receiver
    card.position = next_position(workshop.id, Card.holder_id == receiver)
    moved(card, user_id)
    return log(workshop, seq, user_id, "pass", card.observation_id, to_holder=receiver, from_group=before["group"],
               from_holder=before["holder"], replaced=over)


def clean_name(name):
    name = " ".join((name or "").split())
    if not name:
        raise Refused("Write the group's name: what its cards say, in the customer's voice.")
    if len(name) > NAME_MAX:
        raise Refused(f"A group's name has at most {NAME_MAX} characters.")
    return name


def name_group(workshop, user_id, group_id, name):
    check_not_ended(workshop)
    seq = take_seq(workshop)
    group = group_of(workshop, group_id)
    group.name = clean_name(name)
    return log(workshop, seq, user_id, "name", group=group.id, name=group.name)


def merge(workshop, user_id, group_id, into_id):
    """Move every card of one group into another; the emptied group points at where they went."""
    check_not_ended(workshop)
    seq = take_seq(workshop)
    group, target = group_of(workshop, group_id), group_of(workshop, into_id)
    if group.id == target.id:
        raise Refused("Choose two different groups to merge.")
    cards = list(db.session.scalars(select(Card).where(Card.workshop_id == workshop.id, Card.group_id == group.id)
                                    .order_by(Card.position)))
    end = next_position(workshop.id, Card.group_id == target.id)
    for offset, card in enumerate(cards):
        card.group_id, card.position = target.id, end + offset
        moved(card, user_id)
    group.merged_into = target.id
    for child in db.session.scalars(select(WorkshopGroup).where(WorkshopGroup.parent_id == group.id)):
        child.parent_id = target.id if child.id != target.id else None
    if target.parent_id == group.id:
        target.parent_id = group.parent_id
    if not target.name and group.name:
        target.name = group.name
    return log(workshop, seq, user_id, "merge", group=group.id, into=target.id, cards=len(cards))


def nest(workshop, user_id, group_id, parent_id):
    """Put a group under another (the parent becomes a theme at the end), or back on top (None)."""
    check_not_ended(workshop)
    seq = take_seq(workshop)
    group = group_of(workshop, group_id)
    parent = group_of(workshop, parent_id) if parent_id is not None else None
    if parent is not None and (parent.id == group.id or parent.parent_id is not None):
        raise Refused("A group goes under a top-level group, not under itself or a group inside another.")
    if parent is not None and db.session.scalar(select(WorkshopGroup.id).where(
            WorkshopGroup.parent_id == group.id, WorkshopGroup.merged_into.is_(None)).limit(1)):
        raise Refused("This group has groups under it: it is a theme, and themes stay on top.")
    group.parent_id = parent.id if parent else None
    return log(workshop, seq, user_id, "nest", group=group.id, parent=group.parent_id)


def check_not_ended(workshop):
    if workshop.state == WorkshopState.ENDED:
        raise Refused("This workshop has ended: its groups are insights in the affinity workspace now.")


def lock(workshop, user_id, locked):
    check_not_ended(workshop)
    seq = take_seq(workshop)
    workshop.state = WorkshopState.LOCKED if locked else WorkshopState.OPEN
    return log(workshop, seq, user_id, "lock" if locked else "unlock")


def person_names(user_ids):
    ids = {i for i in user_ids if i is not None}
    return dict(db.session.execute(select(User.id, User.name).where(User.id.in_(ids))).all()) if ids else {}


def finish(workshop, user_id):
    """Mark it ended (the insights are made by `ending.end`, which calls this last)."""
    workshop.state = WorkshopState.ENDED
    workshop.ended_at = utcnow()
