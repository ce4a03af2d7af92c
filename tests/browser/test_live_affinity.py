"""Two affinity workspaces open at once: a move on one reaches the other without a reload, through the
event stream (polling blocked, so only the stream can bring it), and, with the stream blocked, by polling."""
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.test_affinity import LAPTOP, ORDERS, card, world
from tests.factories import PASSWORD


def open_workspace(browser, live_server, study_id, email, blocked):
    page = browser.new_context(**LAPTOP).new_page()
    page.route(blocked, lambda route: route.abort())
    sign_in(page, live_server, email, PASSWORD)
    page.goto(f"{live_server.url}/studies/{study_id}/affinity")
    expect(page.get_by_role("heading", level=1)).to_have_text("Affinity workspace")
    page.evaluate("window.sameVisit = true")  # gone if the page were reloaded
    return page


def move_by_keyboard(page, note):
    page.locator(".affinity-note", has_text=note).focus()
    page.keyboard.press("Space")
    page.get_by_label("Move selected to").select_option(label=ORDERS)
    page.get_by_role("button", name="Move selected").click()
    expect(page.get_by_role("status")).to_contain_text(f"Moved “{note}")


def test_a_move_reaches_the_other_screen_through_the_stream(browser, live_server, app):
    study_id, insight_id = world(app)
    mine = open_workspace(browser, live_server, study_id, "dina@example.org", "**/insights/changes*")
    theirs = open_workspace(browser, live_server, study_id, "dora@example.org", "**/insights/changes*")
    move_by_keyboard(mine, "Printed invoices")
    # Polling is blocked on both pages: the stream alone brings the move, well inside polling's 3 s.
    expect(card(theirs, insight_id)).to_contain_text("Printed invoices", timeout=2_500)
    expect(theirs.locator(".affinity-left")).not_to_contain_text("Printed invoices")
    expect(theirs.get_by_role("status")).to_contain_text("updated by someone else")
    assert theirs.evaluate("window.sameVisit") is True

    move_by_keyboard(theirs, "Types each portal order")  # and back the other way
    expect(card(mine, insight_id)).to_contain_text("Types each portal order", timeout=2_500)
    assert mine.evaluate("window.sameVisit") is True
    assert_accessible(theirs)


def test_with_the_stream_blocked_the_other_screen_polls(browser, live_server, app):
    study_id, insight_id = world(app)
    mine = open_workspace(browser, live_server, study_id, "dina@example.org", "**/insights/live*")
    theirs = open_workspace(browser, live_server, study_id, "dora@example.org", "**/insights/live*")
    move_by_keyboard(mine, "Printed invoices")
    expect(card(theirs, insight_id)).to_contain_text("Printed invoices", timeout=10_000)
    expect(theirs.get_by_role("status")).to_contain_text("updated by someone else")
    assert theirs.evaluate("window.sameVisit") is True


def workspace_reads(page):
    """Count the page's reads of the whole workspace (the script's full redraw)."""
    reads = []
    page.on("request", lambda request: reads.append(request.url) if "fragment=1" in request.url else None)
    return reads


def test_a_note_move_shows_in_place_on_both_screens_without_reading_the_workspace(browser, live_server, app):
    study_id, insight_id = world(app)
    mine = open_workspace(browser, live_server, study_id, "dina@example.org", "**/insights/changes*")
    theirs = open_workspace(browser, live_server, study_id, "dora@example.org", "**/insights/changes*")
    my_reads, their_reads = workspace_reads(mine), workspace_reads(theirs)
    move_by_keyboard(mine, "Printed invoices")
    for page in (mine, theirs):
        expect(card(page, insight_id)).to_contain_text("Printed invoices", timeout=2_500)
        expect(card(page, insight_id).locator(".breadth")).to_contain_text("1 note · ")
        expect(page.locator(".affinity-left")).not_to_contain_text("Printed invoices")
        # (inside the card's closed "Change" panel) an insight with notes is deleted by ungrouping them
        expect(card(page, insight_id).locator("details button[name=action]").last).to_have_text(
            "Ungroup notes and delete")
    expect(theirs.get_by_role("status")).to_contain_text("updated by someone else")
    move_by_keyboard(theirs, "Types each portal order")
    expect(card(mine, insight_id).locator(".affinity-note")).to_have_count(2, timeout=2_500)
    expect(card(mine, insight_id).locator(".breadth")).to_contain_text("2 notes · ")
    # Each screen's own move and the other's: shown from the changes alone, in the database's order.
    assert (my_reads, their_reads) == ([], [])
    order = [card(page, insight_id).locator(".note-text").all_inner_texts() for page in (mine, theirs)]
    assert order[0] == order[1] and order[0][0].startswith("Printed invoices")
    # The version each screen now sends is the database's: a second move by the first screen is not stale.
    # It empties the ungrouped column, whose words for that ("No ungrouped notes") a full read brings.
    move_by_keyboard(mine, "The ERP never sees")
    for page in (mine, theirs):
        expect(card(page, insight_id).locator(".affinity-note")).to_have_count(3, timeout=2_500)
        expect(page.locator(".affinity-left")).to_contain_text("No ungrouped notes")
    assert len(my_reads) == 1 and len(their_reads) == 1
    assert_accessible(theirs)

    # A change of layout (an insight undone away, its notes back among the ungrouped) is read whole.
    mine.get_by_role("button", name="Undo").click()
    expect(card(theirs, insight_id).locator(".affinity-note")).to_have_count(2, timeout=2_500)
    expect(theirs.locator(".affinity-left")).to_contain_text("The ERP never sees")
    assert len(their_reads) == 2 and mine.evaluate("window.sameVisit") is True
