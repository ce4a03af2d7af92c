"""A workshop in a real browser: a TV showing the wall and five phones placing cards, every screen live.

Each phone joins by typing the code off the TV, is dealt a hand, and places its cards by tapping (one
passes a card on, one swipes one away); the facilitator names a group on the TV. Every screen then
shows the same wall, and it is the wall the database holds; the phone and TV pages are axe-clean,
and the phone's controls are thumb-sized at 360 px. Ending the workshop makes the insights.
"""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.insights.models import Insight
from fieldnotes.studies.models import Study
from fieldnotes.workshops.models import Card, WorkshopGroup
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.ui_checks import assert_fits_width, assert_tap_targets
from tests.factories import PASSWORD, add_member, make_observations, make_user
from tests.workshops_world import build, email

TV = {"viewport": {"width": 1920, "height": 1080}, "is_mobile": False, "has_touch": False,
      "device_scale_factor": 1}
PHONES = ("sam", "kim", "lee", "designer", "ray")
EXTRA = ["Reads the invoice number aloud to a colleague who types it.", "Prints the portal page to sign it.",
         "Uses a second monitor only for the ERP.", "Calls the customer when a payment is a day late.",
         "Checks the bank site every morning at nine.", "Writes the lorry's plate on the back of her hand.",
         "Keeps last year's spreadsheet open as a template.", "Copies totals into an email by hand.",
         "Asks IT to reset the portal password weekly.", "Moves overdue invoices to a red folder."]


def world(app):
    ids = build(app)
    with app.app_context():
        study = db.session.get(Study, ids["study"])
        ray = make_user(email("ray"), "Ray Researcher")
        add_member(study, ray, "researcher")
        make_observations(study, ray, [{"text": text} for text in EXTRA])
    return ids


def after_move(page, card):
    """This phone's own move is answered: the card it moved has left its hand. (Not "the screen's move number
    rose": another phone's move, drawn just before this one's tap, raises it too, and the next turn would then
    read a hand the answer is about to change.)"""
    expect(page.locator(f'.phone-card[data-card="{card}"]')).to_have_count(0)


def db_wall(app, workshop_id):
    with app.app_context():
        groups = db.session.scalars(select(WorkshopGroup).where(
            WorkshopGroup.workshop_id == workshop_id, WorkshopGroup.merged_into.is_(None))).all()
        cards = db.session.scalars(select(Card).where(Card.workshop_id == workshop_id)).all()
        return {g.label: sorted(str(c.observation_id) for c in cards if c.group_id == g.id) for g in groups}


def tv_wall(page):
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.wall-group')].map((g) => [
        g.querySelector('.group-label').firstChild.textContent.trim(),
        [...g.querySelectorAll(':scope > .wall-cards .wall-card')].map((c) => c.dataset.card).sort()]))""")


def phone_wall(page):
    return page.evaluate("""() => Object.fromEntries([...document.querySelectorAll('.phone-wall li')].map((g) => [
        g.querySelector('.label').textContent.trim(), parseInt(g.querySelector('.count').textContent)]))""")


def card_box(page):
    """Where the card is, measured again if a move elsewhere redrew it between finding and measuring."""
    for _ in range(20):
        page.locator(".phone-card").wait_for(state="visible")
        box = page.locator(".phone-card").bounding_box()
        if box:
            return box
        page.wait_for_timeout(50)
    raise AssertionError("the phone's card never held still long enough to be swiped")


def place_one(page, index, turn):
    """One move from this phone: mostly into the first group, sometimes a new group, once passed on."""
    card = page.locator(".phone-card").get_attribute("data-card")
    into = page.get_by_role("button", name=re.compile("^Into "))
    if index == 1 and turn == 0:
        page.get_by_role("button", name="Pass it on").click()
    elif index == 4 and turn == 0:  # a swipe to the left passes the card on
        box = card_box(page)
        page.mouse.move(box["x"] + box["width"] - 20, box["y"] + 40)
        page.mouse.down()
        page.mouse.move(box["x"] + 20, box["y"] + 45, steps=8)
        page.mouse.up()
    elif into.count() == 0 or (index == 2 and turn == 0):
        page.get_by_role("button", name="Start a new group").click()
    else:
        into.nth(turn % into.count()).click()
    after_move(page, card)
    expect(page.locator("#phone-told")).not_to_be_empty()


def test_a_tv_and_five_phones_end_with_the_same_wall(browser, live_server, app):
    ids = world(app)
    tv = browser.new_context(**TV).new_page()
    errors = []
    tv.on("pageerror", lambda error: errors.append(error))
    sign_in(tv, live_server, email("owner"), PASSWORD)
    tv.goto(f"{live_server.url}/studies/{ids['study']}/workshops")
    tv.get_by_label("Title, shown on the wall").fill("Invoices, by hand")
    tv.get_by_role("button", name="Start the workshop").click()
    expect(tv.get_by_role("heading", level=1)).to_have_text("Invoices, by hand")
    workshop_id = int(re.search(r"/workshops/(\d+)/wall", tv.url).group(1))
    code = tv.locator(".join-panel .join-code").inner_text()
    expect(tv.locator(".qr svg")).to_be_visible()

    phones = []
    for who in PHONES:
        page = browser.new_context().new_page()
        page.on("pageerror", lambda error: errors.append(error))
        sign_in(page, live_server, email(who), PASSWORD)
        page.goto(f"{live_server.url}/join")
        page.get_by_label("The code on the wall").fill(code.lower())
        page.get_by_role("button", name="Join").click()
        expect(page.locator(".phone-status")).to_contain_text("You are in")
        phones.append(page)
    expect(tv.locator("[data-people]")).to_have_text("5 joined")  # live: nobody reloaded the TV

    tv.get_by_role("button", name="Deal the cards").click()
    expect(tv.locator("#wall-told")).to_have_text("16 cards dealt.")
    for page in phones:  # dealt, and shown without a reload
        expect(page.locator(".phone-card")).to_be_visible()
    first = phones[0]
    assert_accessible(first)
    assert_tap_targets(first)
    assert_fits_width(first)

    for turn in range(12):
        moved = False
        for index, page in enumerate(phones):
            if page.locator(".phone-card").count():
                place_one(page, index, turn)
                moved = True
        if not moved:
            break
    for page in phones:
        page.wait_for_function("() => !document.querySelector('.phone-card')")
        expect(page.locator(".phone-status")).to_contain_text("Your hand is empty")
    expect(tv.locator(".wall-counts")).to_contain_text("16 of 16 cards on the wall")

    # The facilitator names a group on the TV; every phone's view of the wall follows.
    group = tv.locator(".wall-group").nth(1)
    group.locator("summary").click()
    group.get_by_label("Name").fill("Lists beside the keyboard")
    group.get_by_role("button", name="Name it").click()
    expect(tv.locator("#wall-told")).to_have_text("Group named.")
    expected = db_wall(app, workshop_id)
    assert "Lists beside the keyboard" in expected and sum(len(c) for c in expected.values()) == 16
    expect(tv.locator(".group-label", has_text="Lists beside the keyboard")).to_be_visible()
    assert tv_wall(tv) == expected
    for page in phones:
        expect(page.locator(".phone-wall .label", has_text="Lists beside the keyboard")).to_be_visible()
        assert phone_wall(page) == {label: len(cards) for label, cards in expected.items()}
    assert_accessible(tv)
    assert_accessible(phones[1])

    tv.locator(".end-workshop summary").click()
    tv.get_by_role("button", name="End and make insights").click()
    expect(tv.get_by_role("heading", level=1)).to_have_text("Affinity workspace")
    with app.app_context():
        statements = set(db.session.scalars(select(Insight.statement).where(Insight.study_id == ids["study"])))
    assert statements == set(expected)
    expect(phones[0].locator(".phone-status")).to_contain_text("This workshop has ended")
    assert errors == []
