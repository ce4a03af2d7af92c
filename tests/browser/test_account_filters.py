"""Filtering by account on a laptop (issue 15): the journey matrix by keyboard, a cell opening browse on
that account, and the boards with one customer's evidence; every page axe-clean."""
import re
from datetime import date

import pytest
from playwright.sync_api import expect

from fieldnotes.auth.models import User
from fieldnotes.boards.models import Board, BoardItem
from fieldnotes.extensions import db
from fieldnotes.insights.models import Insight
from fieldnotes.insights.service import create_insight
from fieldnotes.studies.models import Study
from tests.accounts_world import HALLORAN, build_world, notes_on
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.ui_checks import tab_to
from tests.factories import PASSWORD, make_visit

MERIDIAN = "Meridian Dental Supply"
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "en-GB"}


@pytest.fixture
def laptop(browser):
    context = browser.new_context(**LAPTOP)
    yield context.new_page()
    context.close()


def with_meridian_and_boards():
    """The accounts world, plus a Meridian visit in Onboarding and a board for each customer."""
    world = build_world()
    study = db.session.get(Study, world.onboarding)
    ana = db.session.query(User).filter_by(email="ana@example.org").one()
    visit = make_visit(study, organisation=MERIDIAN, visited_on=date(2026, 5, 5))
    fax = notes_on(study, ana, visit, None, ("purchase", "finance executive", "breakdown", "Orders go by fax."))
    faxes = create_insight(study.id, ana.id, "Orders still travel by fax", [fax[0].id])
    finance = db.session.query(Insight).filter_by(study_id=study.id, statement="Finance waits on quotes").one()
    for title, insight in (("Quotes for the review", finance), ("Fax for the review", faxes)):
        board = Board(study_id=study.id, title=title)
        db.session.add(board)
        db.session.flush()
        db.session.add(BoardItem(board_id=board.id, insight_id=insight.id, position=1))
    db.session.commit()
    return world, visit.organisation_id


def test_pick_an_account_in_the_matrix_open_a_cell_and_filter_boards(laptop, live_server, app):
    with app.app_context():
        world, meridian = with_meridian_and_boards()
    page = laptop
    sign_in(page, live_server, "ana@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{world.onboarding}/journey-matrix")
    expect(page.get_by_role("heading", level=1)).to_have_text("Journey matrix")
    matrix = page.get_by_role("region", name=re.compile("Notes by role and touchpoint"))
    expect(matrix).to_contain_text("6 notes in all")
    accounts = page.get_by_role("group", name="Accounts")
    expect(accounts.get_by_role("checkbox")).to_have_count(2)  # each account by name
    assert_accessible(page)

    # By keyboard: tick Halloran, redraw.
    page.locator("#main").focus()
    tab_to(page, HALLORAN, limit=40)
    page.keyboard.press("Space")
    expect(accounts.get_by_role("checkbox", name=HALLORAN)).to_be_checked()
    tab_to(page, "Redraw matrix")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"account={world.account}"))
    expect(matrix).to_contain_text(f"(filtered: {HALLORAN}), 5 notes in all")
    expect(page.get_by_role("group", name="Accounts").get_by_role("checkbox", name=HALLORAN)).to_be_checked()
    assert_accessible(page)

    # Purchase × finance executive: two breakdowns in March, a delight in June (Meridian's fax is not here).
    matrix.get_by_role("link", name=re.compile("^3 notes")).click()
    page.wait_for_url(re.compile(rf"/studies/{world.onboarding}/notes\?touchpoint=\d+&role=\d+&account={world.account}$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Notes")
    expect(page.locator(".note-row")).to_have_count(3)
    expect(page.get_by_text("Orders go by fax.")).to_have_count(0)
    expect(page.get_by_text("Quote came the same day.")).to_be_visible()
    assert_accessible(page)

    # The boards with Meridian's evidence, the account chosen by keyboard.
    page.goto(f"{live_server.url}/studies/{world.onboarding}/boards")
    expect(page.get_by_role("heading", level=2)).to_have_count(3)  # two boards and "New board"
    page.locator("#main").focus()
    tab_to(page, "Account", limit=40)
    page.keyboard.press("End")  # the last account: Meridian, after "Every account" and Halloran
    expect(page.get_by_label("Account")).to_have_value(str(meridian))
    tab_to(page, "Show boards")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(f"1 board with evidence from {MERIDIAN}.")
    expect(page.get_by_role("link", name="Fax for the review")).to_be_visible()
    expect(page.get_by_role("link", name="Quotes for the review")).to_have_count(0)
    assert_accessible(page)

    # From the account page: its boards, filtered.
    page.goto(f"{live_server.url}/studies/{world.onboarding}/accounts/{world.account}")
    page.get_by_role("link", name="Boards with evidence from this account").click()
    expect(page.get_by_role("link", name="Quotes for the review")).to_be_visible()
    expect(page.get_by_role("link", name="Fax for the review")).to_have_count(0)
    assert_accessible(page)
