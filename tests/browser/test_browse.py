"""Browsing notes in a real browser: filters by tapping on a phone, search, a side column on a laptop."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM_ARGS, sign_in  # noqa: F401
from tests.browser.ui_checks import assert_tap_targets, check_page
from tests.factories import PASSWORD, make_observation, make_participant, make_study, make_user, make_visit


def seed(app):
    """Dee designs a study with four notes: three breakdowns (two about invoices) and a delight."""
    with app.app_context():
        owner = make_user("owner@example.org", "Olu Owner")
        study = make_study(owner, designer=[make_user("dee@example.org", "Dee Designer")])
        visit = make_visit(study, organisation="Halloran Regional Logistics")
        clerk = make_participant(study, [visit], pseudonym="P2 AP clerk")
        use = next(t.id for t in study.touchpoints if t.name == "Use")
        for text, kind, day in [("Types every invoice twice, once into the fuel sheet.", "breakdown", 10),
                                ("Invoices <b>wait</b> for the finance lead's signature.", "breakdown", 11),
                                ("The export drops accents: Überprüfung becomes garbage.", "breakdown", 12),
                                ("Signed on a phone between two depots.", "delight", 13)]:
            make_observation(study, owner, kind=kind, text=text, touchpoint_id=use, participant_id=clerk.id,
                             visit_id=visit.id, tags=["billing"] if "nvoice" in text else [],
                             captured_at=f"2026-03-{day}T09:00:00+00:00")
        return study.id


def test_filter_by_tapping_then_search_on_a_phone(page, live_server, app):
    study_id = seed(app)
    sign_in(page, live_server, "dee@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{study_id}")
    page.get_by_role("navigation", name="Study").get_by_role("link", name="Browse notes").click()
    page.wait_for_load_state("load")  # measure boxes once the stylesheet has laid the page out
    check_page(page, "Notes")
    assert_tap_targets(page)
    expect(page.get_by_role("heading", level=2, name="4 notes")).to_be_visible()
    breakdown = page.get_by_role("checkbox", name="Breakdown (3)")
    expect(breakdown).to_be_hidden()  # filters fold away on a phone
    page.get_by_text("Filters", exact=True).tap()
    check_page(page, "Notes")  # axe again with every filter showing
    assert_tap_targets(page)
    page.get_by_text("Breakdown (3)").tap()
    expect(breakdown).to_be_checked()
    page.get_by_role("button", name="Apply filters").tap()
    page.wait_for_url(re.compile(r"kind=breakdown"))
    expect(page.locator(".note-row")).to_have_count(3)
    expect(page.get_by_role("heading", level=2)).to_have_text("3 notes match")

    page.get_by_label("Search notes").fill("invoice*")
    page.get_by_role("button", name="Search").tap()
    page.wait_for_url(re.compile(r"q=invoice"))
    assert "kind=breakdown" in page.url  # the search keeps the filters chosen
    expect(page.locator(".note-row")).to_have_count(2)
    expect(page.locator("mark")).to_have_text(["Invoices", "invoice"])  # newest first
    expect(page.get_by_role("checkbox", name="Invoices <b>wait</b> for the finance")).to_be_visible()  # as text
    check_page(page, "Notes")


def test_filters_are_a_side_column_on_a_laptop_and_work_by_keyboard(browser, live_server, app):
    study_id = seed(app)
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    sign_in(page, live_server, "dee@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{study_id}/notes")
    delight = page.get_by_role("checkbox", name="Delight (1)")
    expect(delight).to_be_visible()  # no disclosure to open
    filters_box = page.locator(".browse-filters").bounding_box()
    results_box = page.locator(".browse-results").bounding_box()
    assert filters_box["x"] + filters_box["width"] <= results_box["x"]  # side by side
    check_page(page, "Notes")
    delight.focus()
    page.keyboard.press("Space")
    expect(delight).to_be_checked()
    page.get_by_role("button", name="Apply filters").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"kind=delight"))
    expect(page.locator(".note-row")).to_have_count(1)
    expect(page.locator(".note-row")).to_contain_text("Signed on a phone")
    context.close()
