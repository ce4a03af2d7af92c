"""The affinity workspace in a real browser: drag with the mouse, move by keyboard, see others' moves live."""
import re

from playwright.sync_api import expect

from fieldnotes.extensions import db
from fieldnotes.insights import service
from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD, make_observations, make_study, make_user

LAPTOP = {"viewport": {"width": 1280, "height": 900}}
ORDERS = "I re-key every order because the portal does not talk to our ERP."


def world(app):
    with app.app_context():
        designer = make_user("dina@example.org", name="Dina")
        colleague = make_user("dora@example.org", name="Dora")
        researcher = make_user("rita@example.org")
        study = make_study(designer=[designer, colleague], researcher=researcher)
        make_observations(study, researcher, [
            {"text": "Types each portal order into the ERP by hand"},
            {"text": "The ERP never sees the portal's orders until Ana re-keys them"},
            {"text": "Printed invoices pile up beside the keyboard"},
        ])
        insight = service.create_insight(study.id, designer.id, ORDERS)
        db.session.commit()
        return study.id, insight.id


def card(page, insight_id):
    return page.locator(f"#insight-{insight_id}")


def test_drag_and_keyboard_moves_show_up_for_a_colleague(browser, live_server, app):
    study_id, insight_id = world(app)
    url = f"{live_server.url}/studies/{study_id}/affinity"
    mine = browser.new_context(**LAPTOP).new_page()
    sign_in(mine, live_server, "dina@example.org", PASSWORD)
    mine.goto(url)
    theirs = browser.new_context(**LAPTOP).new_page()
    sign_in(theirs, live_server, "dora@example.org", PASSWORD)
    theirs.goto(url)
    watcher = browser.new_context(**LAPTOP).new_page()  # a researcher: read-only, but kept up to date too
    errors = []
    watcher.on("pageerror", lambda error: errors.append(error))
    sign_in(watcher, live_server, "rita@example.org", PASSWORD)
    watcher.goto(url)
    expect(watcher.get_by_role("link", name=re.compile("^Move to"))).to_have_count(0)
    expect(mine.get_by_role("heading", level=1)).to_have_text("Affinity workspace")
    assert_accessible(mine)

    # With the mouse: press on the note, drag it onto the insight's card, let go.
    note = mine.locator(".affinity-note", has_text="Types each portal order")
    note.scroll_into_view_if_needed()
    box, target = note.bounding_box(), card(mine, insight_id).locator("h3").bounding_box()
    mine.mouse.move(box["x"] + 20, box["y"] + 15)
    mine.mouse.down()
    mine.mouse.move(box["x"] + 60, box["y"] + 40, steps=5)
    mine.mouse.move(target["x"] + 30, target["y"] + 10, steps=10)
    mine.mouse.up()
    expect(mine.get_by_role("status")).to_contain_text("Moved “Types each portal order")
    expect(card(mine, insight_id)).to_contain_text("Types each portal order")

    # With the keyboard: focus a note, Space selects it, then "Move selected to".
    mine.locator(".affinity-note", has_text="The ERP never sees").focus()
    mine.keyboard.press("Space")
    expect(mine.get_by_role("status")).to_contain_text("Selected “The ERP never sees")
    mine.get_by_label("Move selected to").select_option(label=ORDERS)
    mine.get_by_role("button", name="Move selected").focus()
    mine.keyboard.press("Enter")
    expect(mine.get_by_role("status")).to_contain_text("Moved “The ERP never sees")
    expect(card(mine, insight_id)).to_contain_text("The ERP never sees")
    expect(card(mine, insight_id)).to_contain_text(re.compile(r"2 notes"))

    # The colleague's page catches up by itself (its live stream, polling as the fallback), without a reload.
    expect(card(theirs, insight_id)).to_contain_text("The ERP never sees", timeout=10_000)
    expect(card(theirs, insight_id)).to_contain_text("Types each portal order")
    expect(theirs.locator(".affinity-left")).not_to_contain_text("The ERP never sees")
    expect(card(watcher, insight_id)).to_contain_text("The ERP never sees", timeout=10_000)
    assert errors == []
    assert_accessible(mine)


def test_a_move_someone_made_meanwhile_is_reported_not_lost(browser, live_server, app):
    study_id, insight_id = world(app)
    page = browser.new_context(**LAPTOP).new_page()
    page.clock.install()  # no polling unless the test lets time pass: the page stays out of date
    page.route("**/insights/live*", lambda route: route.abort())  # nor a live stream
    sign_in(page, live_server, "dina@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{study_id}/affinity")
    with app.app_context():  # Dora files the note into a new insight of hers, after the page was drawn
        from sqlalchemy import select

        from fieldnotes.auth.models import User
        from fieldnotes.observations.models import Observation
        dora = db.session.scalar(select(User).where(User.email == "dora@example.org"))
        note_id = db.session.scalar(select(Observation.id).where(Observation.text.like("Printed invoices%")))
        theirs = service.create_insight(study_id, dora.id, "Paper is my to-do list", [note_id])
        db.session.commit()
        theirs_id = theirs.id
    page.locator(".affinity-note", has_text="Printed invoices").focus()
    page.keyboard.press("Space")
    page.get_by_label("Move selected to").select_option(label=ORDERS)
    page.get_by_role("button", name="Move selected").click()
    expect(page.get_by_role("status")).to_contain_text("Dora moved this note meanwhile; nothing was moved.")
    expect(card(page, theirs_id)).to_contain_text("Printed invoices")  # redrawn as it is now
    expect(card(page, insight_id)).not_to_contain_text("Printed invoices")


def test_drag_an_insight_into_a_theme_and_before_another(browser, live_server, app):
    study_id, insight_id = world(app)
    with app.app_context():
        from sqlalchemy import select

        from fieldnotes.auth.models import User
        dina = db.session.scalar(select(User).where(User.email == "dina@example.org"))
        theme = service.create_insight(study_id, dina.id, "Our systems don't talk to each other.").id
        db.session.commit()
    page = browser.new_context(**LAPTOP).new_page()
    sign_in(page, live_server, "dina@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{study_id}/affinity")

    def drag(source, target, dy=10):
        page.locator(f"#insight-{source} > .card-handle").hover()
        page.mouse.down()
        box = target.bounding_box()
        page.mouse.move(box["x"] + 40, box["y"] + dy, steps=8)
        page.mouse.up()

    drag(insight_id, card(page, theme).locator(".breadth"))  # the card's body: into the theme
    expect(page.get_by_role("status")).to_contain_text("into “Our systems")
    expect(page.locator(f"#insight-{theme} .insight-children #insight-{insight_id}")).to_have_count(1)
    drag(insight_id, card(page, theme).locator(".insight-statement").first)  # its statement: before it
    expect(page.get_by_role("status")).to_contain_text("before “Our systems")
    expect(page.locator(".insight-tree > .insight-card")).to_have_count(2)
    expect(page.locator(".insight-tree > .insight-card").first).to_have_id(f"insight-{insight_id}")
    assert_accessible(page)


def test_touch_drag_then_undo_and_redo_from_the_keyboard(browser, live_server, app):
    study_id, insight_id = world(app)
    context = browser.new_context(viewport={"width": 1024, "height": 900}, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server, "dina@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{study_id}/affinity")
    handle = page.locator(".affinity-note", has_text="Printed invoices").locator(".drag-handle")
    handle.scroll_into_view_if_needed()
    start, end = handle.bounding_box(), card(page, insight_id).locator(".breadth").bounding_box()
    cdp = context.new_cdp_session(page)  # a finger: touch events, which Chromium turns into pointer events

    def touch(kind, x, y):
        points = [] if kind == "touchEnd" else [{"x": x, "y": y}]
        cdp.send("Input.dispatchTouchEvent", {"type": kind, "touchPoints": points})

    x, y = start["x"] + 20, start["y"] + 20
    touch("touchStart", x, y)
    for i in range(1, 11):
        touch("touchMove", x + (end["x"] + 40 - x) * i / 10, y + (end["y"] + 8 - y) * i / 10)
    touch("touchEnd", 0, 0)
    expect(page.get_by_role("status")).to_contain_text("Moved “Printed invoices")
    expect(card(page, insight_id)).to_contain_text("Printed invoices")

    page.locator("h1").click()
    page.keyboard.press("Control+z")
    expect(page.get_by_role("status")).to_contain_text("Undone.")
    expect(card(page, insight_id)).not_to_contain_text("Printed invoices")
    page.keyboard.press("Control+Shift+z")
    expect(page.get_by_role("status")).to_contain_text("Redone.")
    expect(card(page, insight_id)).to_contain_text("Printed invoices")


def test_suggestions_and_picker_pages_are_accessible(browser, live_server, app):
    study_id, insight_id = world(app)
    page = browser.new_context(**LAPTOP).new_page()
    sign_in(page, live_server, "dina@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{study_id}/affinity")
    page.get_by_role("link", name="Suggested groups").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Suggested groups")
    expect(page.get_by_role("heading", level=2).first).to_contain_text("ERP")  # the words that tie it
    assert_accessible(page)
    page.get_by_role("button", name="Accept as insight").first.click()
    expect(page.get_by_role("status")).to_contain_text("accepted as an insight")
    page.goto(f"{live_server.url}/studies/{study_id}/affinity")
    page.get_by_role("link", name=re.compile("^Move to… .*Printed invoices")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Move a note")
    assert_accessible(page)
    page.get_by_label("Move to").select_option(label=ORDERS)
    page.get_by_role("button", name="Move", exact=True).click()
    expect(page.locator(".flash")).to_contain_text("Note moved.")
    expect(card(page, insight_id)).to_contain_text("Printed invoices")


def test_workspace_fits_a_tablet_and_a_phone_with_big_enough_targets(browser, live_server, app):
    from tests.browser.ui_checks import assert_fits_width, assert_tap_targets
    study_id, _ = world(app)
    for viewport in ({"width": 768, "height": 1024}, {"width": 360, "height": 740}):
        page = browser.new_context(viewport=viewport, has_touch=True).new_page()
        sign_in(page, live_server, "dina@example.org", PASSWORD)
        page.goto(f"{live_server.url}/studies/{study_id}/affinity")
        assert_fits_width(page)
        assert_tap_targets(page)
