"""Workshops end to end over HTTP, on both databases: start, join by code, deal, place, pass, the wall's
moves, ending into insights with undo, concurrent moves on one card, locking, guessing codes."""
import re
import threading
import uuid

import pytest
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.insights import oplog
from fieldnotes.insights.models import Insight, InsightNote
from fieldnotes.workshops.models import Card, Workshop, WorkshopGroup, WorkshopMove
from tests.workshops_world import REAL_NAME, build, sign_in


@pytest.fixture
def world(app):
    return build(app)


def start(app, world, who="owner", **form):
    client = sign_in(app, who)
    data = {"title": "Invoices wall", "on": "study", "deal": "evenly", **form}
    response = client.post(f"/studies/{world['study']}/workshops", data=data)
    assert response.status_code == 303, response.get_data(as_text=True)
    workshop_id = int(re.search(r"/workshops/(\d+)/wall", response.location).group(1))
    with app.app_context():
        code = db.session.get(Workshop, workshop_id).code
    return client, workshop_id, code


def join(app, who, code):
    client = sign_in(app, who)
    response = client.post("/join", data={"code": code})
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def base(world, workshop_id):
    return f"/studies/{world['study']}/workshops/{workshop_id}"


def screen(client, world, workshop_id, since=None):
    query = "" if since is None else f"?since={since}"
    response = client.get(f"/api{base(world, workshop_id)}/feed{query}")
    assert response.status_code == 200
    return response.get_json()


def move(client, world, workshop_id, card, action, group=None, version=None):
    body = {"card": card, "action": action}
    if group is not None:
        body["group"] = group
    if version is not None:
        body["version"] = version
    return client.post(f"{base(world, workshop_id)}/cards", json=body)


def facilitate(client, world, workshop_id, **form):
    return client.post(f"{base(world, workshop_id)}/wall", data=form, headers={"Accept": "application/json"})


def wall_in_db(app, workshop_id):
    """{group id: [note ids in order]} as the database holds the wall."""
    with app.app_context():
        cards = db.session.scalars(select(Card).where(Card.workshop_id == workshop_id, Card.group_id.is_not(None))
                                   .order_by(Card.group_id, Card.position)).all()
        placed = {}
        for card in cards:
            placed.setdefault(card.group_id, []).append(str(card.observation_id))
        return placed


def wall_on_screen(shown):
    return {g["id"]: [c["id"] for c in g["cards"]] for g in shown["groups"] if g["cards"]}


def test_a_workshop_from_start_to_insights(app, world):
    owner, workshop_id, code = start(app, world)
    wall = owner.get(f"{base(world, workshop_id)}/wall")
    page = wall.get_data(as_text=True)
    assert wall.status_code == 200 and code in page and "<svg" in page  # the QR code, drawn on the server
    # Typed on a phone: lower case, spaces, and the look-alikes a code never uses read as meant.
    phones = {who: join(app, who, " ".join(code.lower())) for who in ("sam", "kim", "designer")}
    dealt = facilitate(owner, world, workshop_id, action="deal")
    assert dealt.status_code == 200 and dealt.get_json()["told"] == "6 cards dealt."
    hands = {who: screen(phone, world, workshop_id)["hand"] for who, phone in phones.items()}
    assert sorted(len(h) for h in hands.values()) == [2, 2, 2]
    assert len({c["id"] for h in hands.values() for c in h}) == 6  # every card dealt once

    first = hands["sam"][0]
    made = move(phones["sam"], world, workshop_id, first["id"], "new", version=first["version"])
    assert made.status_code == 200 and made.get_json()["told"] == "Started “Group 1”."
    group_one = made.get_json()["screen"]["groups"][0]["id"]
    for who in ("kim", "designer"):
        card = hands[who][0]
        assert move(phones[who], world, workshop_id, card["id"], "place", group_one, card["version"]).status_code == 200
    second = hands["sam"][1]
    group_two = move(phones["sam"], world, workshop_id, second["id"], "new").get_json()["screen"]["groups"][1]["id"]
    passed = hands["kim"][1]
    assert move(phones["kim"], world, workshop_id, passed["id"], "pass").get_json()["told"] == "Passed on."
    # Passed on in joining order: Sam, Kim, Dee; Kim's card goes to Dee, at the back of Dee's hand.
    assert [c["id"] for c in screen(phones["designer"], world, workshop_id)["hand"]][-1] == passed["id"]

    assert facilitate(owner, world, workshop_id, action="name", group=group_one, name="We keep our own lists").status_code == 200
    assert facilitate(owner, world, workshop_id, action="name", group=group_two, name="Checking twice").status_code == 200
    assert facilitate(owner, world, workshop_id, action="nest", group=group_two, parent=group_one).status_code == 200
    shown = screen(owner, world, workshop_id)
    assert wall_on_screen(shown) == wall_in_db(app, workshop_id)
    assert [g["label"] for g in shown["groups"]] == ["We keep our own lists", "Checking twice"]

    ended = owner.post(f"{base(world, workshop_id)}/wall", data={"action": "end"})
    assert ended.status_code == 303 and ended.location.endswith(f"/studies/{world['study']}/affinity")
    with app.app_context():
        theme = db.session.scalar(select(Insight).where(Insight.statement == "We keep our own lists"))
        child = db.session.scalar(select(Insight).where(Insight.statement == "Checking twice"))
        assert child.parent_id == theme.id
        theme_notes = set(db.session.scalars(select(InsightNote.observation_id).where(
            InsightNote.insight_id == theme.id)))
        assert {str(n) for n in theme_notes} == {first["id"], hands["kim"][0]["id"], hands["designer"][0]["id"]}
        # Undo in the affinity workspace takes the workshop's insights back, one move at a time.
        owner_id = world["users"]["owner"]
        oplog.step(world["study"], owner_id, undo=True)
        db.session.commit()
        assert db.session.get(Insight, child.id) is None and db.session.get(Insight, theme.id) is not None
    # Ended: phones are told, and no card moves any more.
    assert screen(phones["sam"], world, workshop_id)["state"] == "ended"
    late = move(phones["kim"], world, workshop_id, hands["kim"][0]["id"], "new")
    assert late.status_code == 422 and "ended" in late.get_json()["description"]


def test_dealing_by_visit_gives_whole_visits(app, world):
    owner, workshop_id, code = start(app, world, deal="visit")
    phones = [join(app, who, code) for who in ("sam", "kim")]
    facilitate(owner, world, workshop_id, action="deal")
    hands = [{c["id"] for c in screen(p, world, workshop_id)["hand"]} for p in phones]
    first_visit = {world["notes"][n] for n in ("paper", "retype", "export", "phone")}
    second_visit = {world["notes"][n] for n in ("secret", "sticky")}
    assert sorted(hands, key=len) == [second_visit, first_visit]


def test_a_late_joiner_is_dealt_a_share_from_the_back_of_the_hands(app, world):
    owner, workshop_id, code = start(app, world)
    sam = join(app, "sam", code)
    facilitate(owner, world, workshop_id, action="deal")
    before = screen(sam, world, workshop_id)["hand"]
    kim = join(app, "kim", code)
    after = screen(sam, world, workshop_id)["hand"]
    given = screen(kim, world, workshop_id)["hand"]
    assert len(before) == 6 and len(after) == 3 and len(given) == 3
    assert after[0]["id"] == before[0]["id"]  # the card Sam is reading stays in Sam's hand


def test_two_phones_move_one_card_the_later_wins_and_the_earlier_is_told(app, world):
    owner, workshop_id, code = start(app, world)
    sam, kim = join(app, "sam", code), join(app, "kim", code)
    facilitate(owner, world, workshop_id, action="deal")
    card = screen(sam, world, workshop_id)["hand"][0]
    other = screen(kim, world, workshop_id)["hand"][0]
    kims_group = move(kim, world, workshop_id, other["id"], "new").get_json()["screen"]["groups"][0]["id"]
    seen = screen(sam, world, workshop_id)["seq"]
    # Both saw the card at the same version; Sam's move lands first, Kim's later one wins.
    assert move(sam, world, workshop_id, card["id"], "new", version=card["version"]).status_code == 200
    later = move(kim, world, workshop_id, card["id"], "place", kims_group, version=card["version"])
    assert later.status_code == 200
    assert wall_in_db(app, workshop_id)[kims_group] == [other["id"], card["id"]]
    told = [m for m in screen(sam, world, workshop_id, since=seen)["moves"] if m["card"] == card["id"]]
    assert [(m["by"], m["replaced"]) for m in told] == [("Sam Researcher", None),
                                                          ("Kim Researcher", world["users"]["sam"])]
    assert told[-1]["where"] == "“Group 1”"
    with app.app_context():  # the move log keeps both
        kinds = db.session.scalars(select(WorkshopMove.user_id).where(
            WorkshopMove.workshop_id == workshop_id, WorkshopMove.observation_id == uuid.UUID(card["id"]))
            .order_by(WorkshopMove.seq)).all()
        assert kinds == [world["users"]["sam"], world["users"]["kim"]]


def test_many_phones_at_once_lose_no_move(app, world, database_url):
    owner, workshop_id, code = start(app, world)
    phones = {who: join(app, who, code) for who in ("sam", "kim", "lee", "designer")}
    facilitate(owner, world, workshop_id, action="deal")
    group = move(owner, world, workshop_id, world["notes"]["paper"], "new")
    assert group.status_code == 422  # the facilitator has not joined: no hand, no moves
    hands = {who: screen(p, world, workshop_id)["hand"] for who, p in phones.items()}
    first = hands["sam"].pop(0)
    group_id = move(phones["sam"], world, workshop_id, first["id"], "new").get_json()["screen"]["groups"][0]["id"]
    answers = []

    def place_all(who):
        for card in hands[who]:
            answers.append(move(phones[who], world, workshop_id, card["id"], "place", group_id).status_code)

    threads = [threading.Thread(target=place_all, args=(who,)) for who in phones]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert answers == [200] * 5
    assert sorted(wall_in_db(app, workshop_id)[group_id]) == sorted(world["notes"].values())
    with app.app_context():
        seqs = db.session.scalars(select(WorkshopMove.seq).where(WorkshopMove.workshop_id == workshop_id)
                                  .order_by(WorkshopMove.seq)).all()
        assert seqs == list(range(1, len(seqs) + 1))  # the feed has every move once, in order, no gaps
        assert db.session.get(Workshop, workshop_id).seq == seqs[-1]


def test_a_locked_wall_keeps_its_cards(app, world):
    owner, workshop_id, code = start(app, world)
    sam = join(app, "sam", code)
    facilitate(owner, world, workshop_id, action="deal")
    card = screen(sam, world, workshop_id)["hand"][0]
    assert facilitate(owner, world, workshop_id, action="lock").status_code == 200
    refused = move(sam, world, workshop_id, card["id"], "new")
    assert refused.status_code == 409 and "locked" in refused.get_json()["description"]
    assert refused.get_json()["screen"]["state"] == "locked"
    assert wall_in_db(app, workshop_id) == {}
    facilitate(owner, world, workshop_id, action="unlock")
    assert move(sam, world, workshop_id, card["id"], "new").status_code == 200


def test_merging_groups_keeps_every_card(app, world):
    owner, workshop_id, code = start(app, world)
    sam = join(app, "sam", code)
    facilitate(owner, world, workshop_id, action="deal")
    hand = screen(sam, world, workshop_id)["hand"]
    one = move(sam, world, workshop_id, hand[0]["id"], "new").get_json()["screen"]["groups"][0]["id"]
    two = move(sam, world, workshop_id, hand[1]["id"], "new").get_json()["screen"]["groups"][1]["id"]
    facilitate(owner, world, workshop_id, action="name", group=two, name="Lists")
    merged = facilitate(owner, world, workshop_id, action="merge", group=two, into=one)
    assert merged.status_code == 200
    assert wall_in_db(app, workshop_id) == {one: [hand[0]["id"], hand[1]["id"]]}
    assert [g["label"] for g in merged.get_json()["screen"]["groups"]] == ["Lists"]
    # A phone that still shows the merged group places into where its cards went.
    assert move(sam, world, workshop_id, hand[2]["id"], "place", two).get_json()["told"] == "Placed in “Lists”."
    assert facilitate(owner, world, workshop_id, action="merge", group=one, into=one).status_code == 422


def test_bad_moves_are_refused_and_write_nothing(app, world):
    owner, workshop_id, code = start(app, world)
    sam = join(app, "sam", code)
    facilitate(owner, world, workshop_id, action="deal")
    card = screen(sam, world, workshop_id)["hand"][0]
    assert move(sam, world, workshop_id, "not-a-card", "new").status_code == 404
    assert move(sam, world, workshop_id, str(uuid.uuid4()), "new").status_code == 404
    assert move(sam, world, workshop_id, card["id"], "place", 999999).status_code == 404
    assert move(sam, world, workshop_id, card["id"], "place").status_code == 400
    assert move(sam, world, workshop_id, card["id"], "fling").status_code == 400
    assert sam.post(f"{base(world, workshop_id)}/cards", data="[", content_type="application/json").status_code == 400
    assert facilitate(owner, world, workshop_id, action="name", group="x", name="A").status_code == 400
    assert wall_in_db(app, workshop_id) == {}
    with app.app_context():
        assert db.session.scalar(select(WorkshopGroup.id).where(WorkshopGroup.workshop_id == workshop_id)) is None
    refused = sign_in(app, "owner").post(f"/studies/{world['study']}/workshops",
                                         data={"title": "", "on": "study", "deal": "evenly"})
    assert refused.status_code == 422 and "Give the workshop a title" in refused.get_data(as_text=True)
    no_notes = sign_in(app, "owner").post(f"/studies/{world['study']}/workshops",
                                          data={"title": "x", "on": "filter", "deal": "evenly", "filter": "q=zebra"})
    assert no_notes.status_code == 422 and "no notes to deal" in no_notes.get_data(as_text=True)


def test_a_workshop_on_one_visit_or_a_filter_deals_only_those_notes(app, world):
    _owner, on_visit, _code = start(app, world, on="visit", visit=str(world["visits"][1]))
    _owner, on_filter, _code = start(app, world, on="filter", filter="q=spreadsheet")
    with app.app_context():
        held = lambda w: {str(c) for c in db.session.scalars(select(Card.observation_id).where(Card.workshop_id == w))}
        assert held(on_visit) == {world["notes"]["secret"], world["notes"]["sticky"]}
        assert held(on_filter) == {world["notes"]["export"]}


def test_guessing_codes_is_slowed_and_outsiders_learn_nothing(app, world):
    _owner, workshop_id, code = start(app, world)
    outsider = sign_in(app, "outsider")
    wrong = outsider.post("/join", data={"code": "AAAAAA"})
    right = outsider.post("/join", data={"code": code})  # not their study: the same answer as a wrong code
    assert wrong.status_code == right.status_code == 422
    assert "No workshop has this code" in right.get_data(as_text=True)
    for _ in range(8):
        outsider.post("/join", data={"code": "CCCCCC"})
    slowed = outsider.post("/join", data={"code": code})
    assert slowed.status_code == 429 and int(slowed.headers["Retry-After"]) > 0
    viewer = sign_in(app, "viewer").post("/join", data={"code": code})
    assert viewer.status_code == 403  # a member, but viewers see boards, not raw notes


def test_cards_show_what_consent_allows_and_never_a_real_name(app, world):
    owner, workshop_id, code = start(app, world)
    sam = join(app, "sam", code)
    facilitate(owner, world, workshop_id, action="deal")
    cards = {c["id"]: c for c in screen(sam, world, workshop_id)["hand"]}
    secret = cards[world["notes"]["secret"]]
    assert secret["text"] == "" and "did not consent to quotes" in secret["withheld"]
    assert secret["who"] == "CIO, Brightwater Freight" and secret["photo"] is None
    retype = cards[world["notes"]["retype"]]
    assert REAL_NAME not in retype["text"] and "[" in retype["text"]
    exported = cards[world["notes"]["export"]]
    assert exported["photo"]
    with sam.get(f"{base(world, workshop_id)}/photos/{exported['photo']}") as photo:
        assert photo.status_code == 200 and photo.data[:4] == b"\x89PNG"
    with app.app_context():
        from fieldnotes.observations.models import Attachment
        withheld = db.session.scalar(select(Attachment.id).where(
            Attachment.observation_id == uuid.UUID(world["notes"]["secret"])))
    assert sam.get(f"{base(world, workshop_id)}/photos/{withheld}").status_code == 404
    page = sam.get(base(world, workshop_id)).get_data(as_text=True)
    assert REAL_NAME not in page and "Says the dashboard" not in page and "P2 Shy" not in page


def test_erasing_a_participant_takes_their_cards_off_the_wall(app, world):
    owner, workshop_id, code = start(app, world)
    sam = join(app, "sam", code)
    facilitate(owner, world, workshop_id, action="deal")
    hand = screen(sam, world, workshop_id)["hand"]
    secret = next(c for c in hand if c["id"] == world["notes"]["secret"])
    group = move(sam, world, workshop_id, secret["id"], "new").get_json()["screen"]["groups"][0]["id"]
    facilitate(owner, world, workshop_id, action="name", group=group, name="What P2 Shy told us")
    seen = screen(owner, world, workshop_id)["seq"]
    asked = owner.get(f"/studies/{world['study']}/participants/{world['participants']['shy']}/erase")
    assert "2 cards of their notes in workshops" in asked.get_data(as_text=True)
    erased = owner.post(f"/studies/{world['study']}/participants/{world['participants']['shy']}/erase",
                        data={"confirm": "erase", "notes": "keep"})
    assert erased.status_code == 303
    told = owner.get(erased.location).get_data(as_text=True)
    assert "1 workshop group name" in told
    after = screen(sam, world, workshop_id, since=seen)  # open screens are told: the number moved
    assert after["seq"] > seen
    shown = {c["id"] for c in after["hand"]} | {c["id"] for g in after["groups"] for c in g["cards"]}
    assert world["notes"]["secret"] not in shown and world["notes"]["sticky"] not in shown
    assert [g["label"] for g in after["groups"]] == ["What [participant] told us"]
    with app.app_context():
        names = [m.data.get("name") for m in db.session.scalars(select(WorkshopMove).where(
            WorkshopMove.workshop_id == workshop_id, WorkshopMove.kind == "name"))]
        assert names == ["What [participant] told us"]


def test_browse_offers_a_workshop_on_the_notes_it_found(app, world):
    owner = sign_in(app, "owner")
    page = owner.get(f"/studies/{world['study']}/notes?q=spreadsheet").get_data(as_text=True)
    link = re.search(r'href="([^"]*/workshops\?filter=[^"]*)">Start a workshop on these notes', page).group(1)
    form = owner.get(link.replace("&amp;", "&")).get_data(as_text=True)
    assert 'value="q=spreadsheet"' in form and re.search(r'id="on-filter" name="on" value="filter" checked', form)
    researcher = sign_in(app, "sam").get(f"/studies/{world['study']}/notes?q=spreadsheet").get_data(as_text=True)
    assert "Start a workshop" not in researcher  # researchers join workshops; designers and owners run them
