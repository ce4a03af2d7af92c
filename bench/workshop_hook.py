"""The workshop's hook for the live load run (bench/live_load.py): set a workshop up, then make moves over HTTP.

    from bench.workshop_hook import prepare, move_request, stream_path
    with app.app_context():
        setup = prepare(study_id, facilitator_id, phone_user_ids)   # commits
    # each simulated phone (signed in as its user), every 2 s:
    method, path, body = move_request(setup, user_id, turn)      # POST, JSON body
    answer = post(path, json=body)  # 200: {"told", "seq", "screen"}; "seq" is the move's number
    # each screen follows GET stream_path(setup, since) (text/event-stream, `id: seq`), and has
    # seen the move once an id >= answer["seq"] arrives: that is the move-to-screen latency.

`prepare` starts a workshop on the study's notes (up to 600), seats every phone user, deals evenly
and puts one card of each hand on the wall, so every later move is "place the next card of my hand
into a group already on the wall" - the commonest move in a real session. A phone that runs out of
cards moves a card already on the wall into another group (anyone may; the later move wins), so the
run never runs dry, however long it lasts.
"""
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.workshops import service
from fieldnotes.workshops.models import Card, Deal


def prepare(study_id, facilitator_id, phone_user_ids, title="Load run"):
    notes = list(db.session.scalars(select(Observation.id).where(
        Observation.study_id == study_id, Observation.deleted_at.is_(None))
        .order_by(Observation.captured_at, Observation.id).limit(service.MOST_CARDS)))
    workshop = service.start(study_id, facilitator_id, title, Deal.EVENLY, notes, {})
    for user_id in phone_user_ids:
        service.join(workshop, user_id)
    service.deal(workshop, facilitator_id)
    groups = []
    for user_id in phone_user_ids[:8]:  # a few groups to place into
        held = db.session.scalar(select(Card).where(Card.workshop_id == workshop.id, Card.holder_id == user_id,
                                                    Card.group_id.is_(None)).order_by(Card.position).limit(1))
        if held is not None:
            groups.append(service.place(workshop, user_id, held.observation_id)[1].id)
    db.session.commit()
    hands = {user_id: [str(c) for c in db.session.scalars(select(Card.observation_id).where(
        Card.workshop_id == workshop.id, Card.holder_id == user_id, Card.group_id.is_(None))
        .order_by(Card.position))] for user_id in phone_user_ids}
    return {"study_id": study_id, "workshop_id": workshop.id, "groups": groups, "hands": hands,
            "seq": workshop.seq, "notes": [str(n) for n in notes]}


def base(setup):
    return f"/studies/{setup['study_id']}/workshops/{setup['workshop_id']}"


def move_request(setup, user_id, turn):
    """(method, path, JSON body) of this phone's next move: its next card into a group, round robin."""
    hand = setup["hands"][user_id]
    group = setup["groups"][turn % len(setup["groups"])]
    if hand:
        return "POST", f"{base(setup)}/cards", {"card": hand.pop(0), "action": "place", "group": group}
    # Out of cards: move one on the wall (any card may be moved by anyone; the later move wins).
    card = setup["notes"][(turn * 7 + user_id) % len(setup["notes"])]
    return "POST", f"{base(setup)}/cards", {"card": card, "action": "place", "group": group}


def stream_path(setup, since=None):
    return f"/api{base(setup)}/live?since={setup['seq'] if since is None else since}"


def feed_path(setup, since):
    """The polling fallback, and what a screen fetches when poked: {seq} alone when nothing moved."""
    return f"/api{base(setup)}/feed?since={since}"


# --- in bench/live_load_world.py's shape: MOVERS["workshop"] = live_load_movers(app, world) ----------------

def live_load_movers(app, world):
    """Set a workshop up for live_load's world (its study, its phones' emails in world["people"]) and
    answer (prepare, make_move, stream) as its MOVERS entries are. Call after make_world, before gunicorn."""
    from fieldnotes.auth.models import User
    from fieldnotes.studies.models import Membership
    from fieldnotes.studies.permissions import StudyRole
    with app.app_context():
        ids = dict(db.session.execute(select(User.email, User.id).where(User.email.in_(world["people"]))).all())
        owner = db.session.scalar(select(Membership.user_id).where(
            Membership.study_id == world["study"], Membership.role == StudyRole.OWNER).limit(1))
        world["workshop"] = prepare(world["study"], owner, [ids[email] for email in world["people"]])
        world["workshop_people"] = [ids[email] for email in world["people"]]
        db.session.remove()

    def prepare_phone(world, index):
        return {"user_id": world["workshop_people"][index], "turn": index}

    def make_move(connection, port, cookie, world, hand):
        from tests.live_support import post_json
        _method, path, body = move_request(world["workshop"], hand["user_id"], hand["turn"])
        hand["turn"] += 1
        status, answer = post_json(connection, port, path, body, cookie)
        return status, (answer.get("seq") if isinstance(answer, dict) else None)

    def stream(world):
        return stream_path(world["workshop"], since=0)

    return prepare_phone, make_move, stream
