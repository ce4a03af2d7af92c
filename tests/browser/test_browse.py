"""Browsing notes in a real browser: filters by tapping on a phone, search, a side column on a laptop."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM_ARGS, PHONE, sign_in  # noqa: F401
from tests.browser.ui_checks import assert_tap_targets, check_page
from tests.factories import (PASSWORD, make_observation, make_observations, make_participant, make_study, make_user,
                             make_visit)


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


LAPTOP = {"viewport": {"width": 1280, "height": 800}}


def seed_many(app):
    """Dee's study of 180 notes, 154 of them about invoices (every seventh is not), breakdowns and quotes in turn."""
    with app.app_context():
        owner = make_user("owner@example.org", "Olu Owner")
        study = make_study(owner, designer=[make_user("dee@example.org", "Dee Designer")])
        make_observations(study, owner, [
            {"text": f"Courier {i} came late" if i % 7 == 0 else f"Invoice {i} keyed twice",
             "kind": ("breakdown", "quote")[i % 2], "captured_at": f"2026-03-01T{i // 60:02d}:{i % 60:02d}:00+00:00"}
            for i in range(180)])
        return study.id


def searched_before_counted(browser, live_server, app, counts, device=LAPTOP):
    """Dee, on a laptop (or `device`), searches a study for a word most notes have; the page's ask for its counts is
    held, and `counts(route)` answers it when called. The page, its notes listed."""
    study_id = seed_many(app)
    context = browser.new_context(**device)
    page = context.new_page()
    held = []
    page.route(re.compile(r"/notes/counts\?"), lambda route: route.continue_() if held else held.append(route))
    sign_in(page, live_server, "dee@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{study_id}/notes")
    page.get_by_label("Search notes").fill("invoice")
    page.get_by_role("button", name="Search").click()
    page.wait_for_url(re.compile(r"q=invoice"))
    expect(page.locator(".note-row")).to_have_count(50)  # listed at once, newest first
    expect(page.locator(".note-row").first).to_contain_text("Invoice 179 keyed twice")
    expect(page.get_by_role("heading", level=2)).to_have_text("Notes that match (counting…)")
    if device is PHONE:
        page.get_by_text("Filters", exact=True).tap()  # folded away on a phone
        assert_tap_targets(page)
    expect(page.get_by_text("Counting the notes that match, for each filter.")).to_be_visible()
    expect(page.locator("#facet-options")).to_have_attribute("aria-busy", "true")
    check_page(page, "Notes")  # axe-clean while counting
    for _ in range(100):  # the page's script asked as it loaded: its route is called while Playwright waits
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1  # later pages ask freely
    counts(held[0])
    return page


def test_a_search_of_many_notes_is_listed_at_once_and_its_counts_come_after(browser, live_server, app):
    page = searched_before_counted(browser, live_server, app, lambda route: route.continue_())
    expect(page.get_by_role("heading", level=2)).to_have_text("154 notes match")
    expect(page.get_by_role("heading", level=2)).to_have_attribute("aria-live", "polite")  # said when it came
    expect(page.locator("#facet-options")).not_to_have_attribute("aria-busy", "true")
    quote = page.get_by_role("checkbox", name="Quote (77)")
    expect(page.get_by_role("checkbox", name="Breakdown (77)")).to_be_visible()
    check_page(page, "Notes")
    quote.focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Apply filters").focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"kind=quote"))
    expect(page.get_by_role("heading", level=2)).to_have_text("77 notes match")
    expect(page.locator(".note-row").first).to_contain_text("Invoice 179 keyed twice")
    page.context.close()


def test_counts_that_cannot_be_had_say_so_and_show_the_counts_counts_them_on_a_phone(browser, live_server, app):
    page = searched_before_counted(browser, live_server, app, lambda route: route.abort(), PHONE)
    expect(page.locator(".counting")).to_contain_text("The notes could not be counted just now.")
    expect(page.get_by_role("heading", level=2)).to_have_text("Notes that match (not counted)")
    check_page(page, "Notes")
    assert_tap_targets(page)
    page.get_by_role("link", name="Show the counts").tap()
    page.wait_for_url(re.compile(r"counts=now"))
    expect(page.get_by_role("heading", level=2)).to_have_text("154 notes match")  # counted with the page
    page.get_by_text("Filters", exact=True).tap()
    expect(page.get_by_role("checkbox", name="Quote (77)")).to_be_visible()
    expect(page.locator(".note-row")).to_have_count(50)
    page.context.close()
