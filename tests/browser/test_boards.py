"""Boards in a real browser: build one, share it to someone without an account, present it by keyboard."""
import re

from playwright.sync_api import expect

from tests.boards_world import CANARY, build
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.ui_checks import assert_fits_width, assert_tap_targets
from tests.factories import PASSWORD

LAPTOP = {"viewport": {"width": 1280, "height": 800}}


def build_board(page, live_server, world):
    """As the designer: a board with both insights, evidence for the first, and a share link; returns the link."""
    sign_in(page, live_server, "designer@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{world['study']}")
    page.get_by_role("navigation", name="Study").get_by_role("link", name="Boards").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Boards")
    page.get_by_label("Title").fill("What finance teams live with")
    page.get_by_label("Narrative").fill("Two things we saw at every site.")
    page.get_by_role("button", name="Create board").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit board")
    for statement in ("I type every order twice because the systems do not talk.",
                      "I wait days for a signature on paper."):
        page.get_by_label("Insight or theme").select_option(label=statement)
        page.get_by_role("button", name="Add to board").click()
        expect(page.get_by_role("status")).to_contain_text("Insight added")
    page.get_by_role("link", name=re.compile("Pick evidence for “I type every order")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pick evidence")
    assert_accessible(page)
    page.get_by_label(re.compile("^Quote: “I re-key")).check()
    page.get_by_label(re.compile("^Photo with the note")).check()
    page.get_by_role("button", name="Save evidence").click()
    expect(page.get_by_role("status")).to_contain_text("Evidence saved: 2 pieces.")
    # Reorder with the keyboard: focus "Move up" on the second insight and press Enter.
    page.get_by_role("button", name=re.compile("^Move up: I wait days")).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Moved to place 1 of 2.")
    assert_accessible(page)
    page.get_by_role("button", name="Create share link").click()
    link = page.get_by_role("textbox", name="Share link").input_value()
    assert re.fullmatch(rf"{re.escape(live_server.url)}/share/[A-Za-z0-9_-]{{43}}", link)
    return link


def test_build_share_and_present_a_board(browser, live_server, app):
    world = build(app)
    context = browser.new_context(**LAPTOP)
    page = context.new_page()
    link = build_board(page, live_server, world)

    page.get_by_role("link", name="What finance teams live with").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("What finance teams live with")
    expect(page.locator(".board-quote").first).to_contain_text("I re-key every order")
    expect(page.get_by_role("img", name=re.compile("Photo from the field"))).to_be_visible()
    assert_accessible(page)

    # Someone without an account, in a fresh browser context.
    stranger = browser.new_context(**LAPTOP)
    shared = stranger.new_page()
    response = shared.goto(link)
    assert response.status == 200 and response.headers["x-robots-tag"] == "noindex"
    expect(shared.get_by_role("heading", level=1)).to_have_text("What finance teams live with")
    expect(shared.locator(".board-quote").first).to_contain_text("I re-key every order")
    shared.wait_for_function("() => document.querySelector('img').complete")
    assert shared.evaluate("() => document.querySelector('img').naturalWidth") > 0  # served via the token
    assert CANARY not in shared.content() and "Wilhelmina" not in shared.content()
    assert_accessible(shared)
    shared.get_by_label("I agree").first.check()
    shared.get_by_label("Your name (optional)").first.fill("Dana")
    shared.get_by_role("button", name="Send reaction").first.click()
    expect(shared.get_by_role("status")).to_contain_text("your reaction is with the team")

    # Presentation mode through the share link, by keyboard.
    shared.get_by_role("link", name="Present").click()
    expect(shared.get_by_role("heading", level=1)).to_have_text("What finance teams live with")
    assert_accessible(shared)
    slides = shared.locator(".slide")
    expect(slides).to_have_count(3)
    shared.keyboard.press("ArrowRight")
    expect(slides.nth(1)).to_be_visible()
    expect(slides.nth(0)).to_be_hidden()
    # Along the journey: Purchase ("I wait days") comes before Use.
    expect(slides.nth(1).locator(".statement")).to_contain_text("I wait days")
    assert_accessible(shared)
    shared.keyboard.press("PageDown")
    expect(slides.nth(2)).to_be_visible()
    # Headline first (issue 12): the statement, then the customer's words that support it.
    assert slides.nth(2).evaluate(
        "s => s.querySelector('.statement').compareDocumentPosition(s.querySelector('.board-quote')) & 4") == 4
    shared.keyboard.press("Home")
    expect(slides.nth(0)).to_be_visible()
    shared.keyboard.press("End")
    expect(slides.nth(2)).to_be_visible()
    shared.keyboard.press("ArrowLeft")
    expect(slides.nth(1)).to_be_visible()
    assert shared.url.endswith("#slide-1")
    stranger.close()

    # The team sees the reaction beside the insight.
    page.get_by_role("link", name="Edit board").click()
    expect(page.locator(".builder-items")).to_contain_text("1 agree")
    context.close()


def test_presentation_swipes_and_the_board_fits_a_phone(page, live_server, app):
    world = build(app)
    link = build_board(page, live_server, world)
    page.goto(link + "/present")
    slides = page.locator(".slide")
    box = page.viewport_size
    # Swipe left across the narrative (a finger on a link would follow the link instead).
    narrative = page.locator(".title-slide .narrative").bounding_box()
    y = narrative["y"] + narrative["height"] / 2
    page.mouse.move(box["width"] - 40, y)
    page.mouse.down()
    page.mouse.move(40, y, steps=5)
    page.mouse.up()
    expect(slides.nth(1)).to_be_visible()
    page.goto(link)
    assert_fits_width(page)
    assert_tap_targets(page)
    # The handout: no navigation or forms, one insight a page, quotes in large type.
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Send reaction").first).to_be_hidden()
    expect(page.get_by_role("navigation", name="Board")).to_be_hidden()
    insights = page.locator(".board-insight")
    assert insights.nth(1).evaluate("e => getComputedStyle(e).breakBefore") == "page"
    assert float(page.locator(".board-quote blockquote").first.evaluate("e => getComputedStyle(e).fontSize")[:-2]) >= 24
