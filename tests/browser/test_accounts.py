"""Accounts on a laptop (issue 15): the account's timeline read from the study, and a near-duplicate
merged by keyboard alone, every page axe-clean."""
from datetime import date

import pytest
from playwright.sync_api import expect

from fieldnotes.extensions import db
from fieldnotes.organisations.models import Organisation
from fieldnotes.studies.models import Study
from fieldnotes.visits.models import SiteVisit
from tests.accounts_world import HALLORAN, build_world
from tests.browser.capture_support import field, open_capture
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.ui_checks import tab_to
from tests.factories import PASSWORD, make_visit

__all__ = ["field"]  # the capture tests' fixture
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "locale": "en-GB"}


@pytest.fixture
def laptop(browser):
    context = browser.new_context(**LAPTOP)
    yield context.new_page()
    context.close()


def test_the_account_timeline_from_the_study_page(laptop, live_server, app):
    with app.app_context():
        world = build_world()
    page = laptop
    sign_in(page, live_server, "ana@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{world.onboarding}")
    page.get_by_role("navigation", name="Study").get_by_role("link", name="Accounts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Accounts")
    assert_accessible(page)
    page.get_by_role("link", name=HALLORAN).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(HALLORAN)
    timeline = page.get_by_role("region", name="Timeline", exact=True)
    rows = timeline.get_by_role("row")
    expect(rows).to_have_count(4)  # the header, then March, June and September, oldest first
    expect(rows.nth(1).get_by_role("rowheader")).to_contain_text("12 March 2026")
    expect(rows.nth(3).get_by_role("rowheader")).to_contain_text("1 September 2026")
    expect(rows.nth(3).get_by_role("rowheader")).to_contain_text("Renewals")
    gaps = page.get_by_role("region", name="Gaps still open")
    expect(gaps).to_contain_text("Never seen their finance executive at research, implementation, instruction, "
                                 "use or repurchase.")
    expect(page.get_by_role("region", name="Insights this account supports")).to_contain_text(
        "Finance waits on quotes")
    expect(page.get_by_text("A secret of another team.")).to_have_count(0)
    assert_accessible(page)
    # The timeline scrolls sideways by keyboard when the stages do not fit.
    page.get_by_role("region", name="Timeline table (scrolls sideways)").focus()
    page.get_by_role("link", name="Browse its notes").click()
    expect(page.get_by_text("Approves invoices twice, on paper.")).to_be_visible()


def test_a_near_duplicate_is_merged_by_keyboard(laptop, live_server, app):
    with app.app_context():
        world = build_world()
        typo = make_visit(db.session.get(Study, world.onboarding), organisation="Haloran Regional Logistics Ltd",
                          visited_on=date(2026, 7, 1))
        typo_id, typo_account = typo.id, typo.organisation_id
    page = laptop
    sign_in(page, live_server, "ana@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{world.onboarding}/accounts/merge")
    expect(page.get_by_role("heading", level=1)).to_have_text("Merge accounts")
    assert_accessible(page)
    page.locator("#main").focus()
    button = f"Keep “{HALLORAN}”, merge “Haloran Regional Logistics Ltd” into it"
    tab_to(page, button)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text(
        f"“Haloran Regional Logistics Ltd” merged into “{HALLORAN}”: 1 visits")
    expect(page.get_by_role("region", name="Merges so far")).to_contain_text(
        f"“Haloran Regional Logistics Ltd” into “{HALLORAN}”")
    expect(page.get_by_text("No names look alike.")).to_be_visible()
    assert_accessible(page)
    with app.app_context():
        assert db.session.get(Organisation, typo_account) is None
        assert db.session.get(SiteVisit, typo_id).organisation_id == world.account
    page.goto(f"{live_server.url}/studies/{world.onboarding}/accounts/{world.account}")
    expect(page.get_by_role("region", name="Timeline", exact=True).get_by_role("row")).to_have_count(5)
    expect(page.locator("main")).to_contain_text("6 notes over 4 visits")
    # Merged by mistake: undone by keyboard too, and the visit is the other account's again.
    page.goto(f"{live_server.url}/studies/{world.onboarding}/accounts/merge")
    page.locator("#main").focus()
    tab_to(page, "Undo: make “Haloran Regional Logistics Ltd” its own account again", limit=40)
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("is its own account again")
    assert_accessible(page)
    with app.app_context():
        assert db.session.get(SiteVisit, typo_id).organisation.startswith("Haloran")


def test_the_phones_visit_picker_groups_visits_by_account(page, live_server, app, field):
    """On a phone: the visits of one customer sit together under its account's name."""
    with app.app_context():
        study = db.session.get(Study, field["study_id"])
        later = make_visit(study, organisation="Meridian Dental Supply", visited_on=date(2026, 4, 2)).id
        again = make_visit(study, organisation="Halloran Regional Logistics", visited_on=date(2026, 5, 6)).id
    open_capture(page, live_server, field)
    groups = page.get_by_label("Visit", exact=True).locator("optgroup")
    expect(groups).to_have_count(2)
    expect(groups.nth(0)).to_have_attribute("label", HALLORAN)  # visited last, so first
    expect(groups.nth(0).locator("option")).to_have_text([f"2026-05-06 · {HALLORAN}", f"2026-03-12 · {HALLORAN}"])
    expect(groups.nth(1).locator("option")).to_have_text(["2026-04-02 · Meridian Dental Supply"])
    page.get_by_label("Visit", exact=True).select_option(str(again))
    assert later != again
    assert_accessible(page)
