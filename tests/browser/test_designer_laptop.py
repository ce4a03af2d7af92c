"""The designer on a 1366 x 768 laptop (issue 12): times in their own zone, correcting one note, search by
tag and emoji, a journey matrix that fits, no empty insight by accident, tags renamed and merged."""
import re

import pytest
from playwright.sync_api import expect

from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.studies.models import Role, Study, Touchpoint
from tests.browser.conftest import sign_in
from tests.browser.ui_checks import check_page
from tests.factories import PASSWORD, make_observation, make_participant, make_study, make_user, make_visit

# Kolkata is UTC+05:30 all year: a fixed, DST-free offset, so the expected local time never moves.
LAPTOP = {"viewport": {"width": 1366, "height": 768}, "timezone_id": "Asia/Kolkata", "locale": "en-GB"}


@pytest.fixture
def laptop(browser):
    context = browser.new_context(**LAPTOP)
    yield context.new_page()
    context.close()


def seed(app):
    """Dee designs a study: notes at every touchpoint (and one unplaced), a tagged one, one with an emoji."""
    with app.app_context():
        owner, dee = make_user("owner@example.org", "Olu Owner"), make_user("dee@example.org", "Dee Designer")
        study = make_study(owner, designer=[dee])
        halloran = make_visit(study, organisation="Halloran Regional Logistics")
        brightwater = make_visit(study, organisation="Brightwater Freight")
        clerk = make_participant(study, [halloran], pseudonym="P2 AP clerk")
        make_participant(study, [brightwater], pseudonym="P10 dispatcher", organisation="Brightwater Freight")
        roles = db.session.query(Role).filter_by(study_id=study.id).all()
        for i, touchpoint in enumerate(db.session.query(Touchpoint).filter_by(study_id=study.id).all()):
            make_observation(study, owner, kind="breakdown", text=f"Waits at {touchpoint.name.lower()} again",
                             touchpoint_id=touchpoint.id, role_id=roles[i % len(roles)].id, visit_id=halloran.id)
        make_observation(study, owner, kind="workaround", text="No touchpoint chosen for this one")
        note = make_observation(study, owner, kind="breakdown", text="Types every invoice twice",
                                tags=["re-keying", "WALK-R1"], participant_id=clerk.id, visit_id=halloran.id,
                                captured_at="2026-03-12T09:00:00+00:00")
        make_observation(study, owner, kind="delight", text="Signs it off 👍🏽 from the depot")
        empty = make_study(owner, name="Renewals, not started", designer=[dee])
        return {"study": study.id, "note": str(note.id), "empty": empty.id}


def test_times_show_in_the_readers_zone_with_utc_on_hover(laptop, live_server, app):
    ids = seed(app)
    sign_in(laptop, live_server, "dee@example.org", PASSWORD)
    laptop.goto(f"{live_server.url}/studies/{ids['study']}/notes/{ids['note']}")
    captured = laptop.locator("dd time").first
    expect(captured).to_have_text(re.compile(r"12 Mar 2026, 14:30 GMT\+5:30"))  # 09:00 UTC in Kolkata
    expect(captured).to_have_attribute("title", "2026-03-12 09:00 UTC")
    laptop.goto(f"{live_server.url}/studies/{ids['study']}/notes?q=invoice")
    expect(laptop.locator(".note-row time").first).to_have_text(re.compile(r"14:30"))


def test_a_designer_corrects_one_note_and_its_history_says_so(laptop, live_server, app):
    ids = seed(app)
    sign_in(laptop, live_server, "dee@example.org", PASSWORD)
    laptop.goto(f"{live_server.url}/studies/{ids['study']}/notes/{ids['note']}")
    check_page(laptop, "Breakdown note")
    laptop.get_by_label("Text", exact=True).fill("Types every invoice twice, once into the fuel sheet")
    laptop.get_by_role("checkbox", name="re-keying").uncheck()
    laptop.get_by_label("Add tags").fill("double entry")
    laptop.get_by_label("Participant", exact=True).select_option(label="P10 dispatcher (Brightwater Freight)")
    laptop.get_by_label("Visit", exact=True).select_option(label="Brightwater Freight, 2026-03-12")
    laptop.get_by_role("button", name="Save changes").click()
    expect(laptop.get_by_role("status")).to_contain_text("Note updated.")
    check_page(laptop, "Breakdown note")
    history = laptop.get_by_role("region", name="History")
    expect(history).to_contain_text("Version 2: Dee Designer changed it on the web")
    expect(history).to_contain_text("Tags: re-keying, WALK-R1 → WALK-R1, double entry")
    expect(history).to_contain_text("Participant: P2 AP clerk → P10 dispatcher")
    expect(laptop.get_by_label("Text", exact=True)).to_have_value("Types every invoice twice, once into the fuel sheet")

    laptop.get_by_label("Text", exact=True).fill("")
    laptop.get_by_role("button", name="Save changes").click()
    alert = laptop.get_by_role("alert")
    expect(alert).to_contain_text("Text: Write what was seen or heard")
    expect(alert).not_to_contain_text("_id")
    check_page(laptop, "Breakdown note")


def test_search_finds_a_tag_by_its_code_and_an_emoji(laptop, live_server, app):
    ids = seed(app)
    sign_in(laptop, live_server, "dee@example.org", PASSWORD)
    for query, found in (("WALK-R", "Types every invoice twice"), ("👍", "from the depot")):
        laptop.goto(f"{live_server.url}/studies/{ids['study']}/notes")
        laptop.get_by_label("Search notes", exact=True).fill(query)
        laptop.get_by_label("Search notes", exact=True).press("Enter")
        expect(laptop.locator(".note-row")).to_have_count(1)
        expect(laptop.locator(".note-row")).to_contain_text(found)


def test_the_matrix_fits_a_laptop_and_an_empty_study_says_no_notes_yet(laptop, live_server, app):
    ids = seed(app)
    sign_in(laptop, live_server, "dee@example.org", PASSWORD)
    laptop.goto(f"{live_server.url}/studies/{ids['study']}/journey-matrix")
    check_page(laptop, "Journey matrix")
    region = laptop.get_by_role("region", name=re.compile("Notes by role and touchpoint"))
    expect(region.get_by_role("columnheader", name="Unassigned")).to_be_visible()  # the widest case: 8 columns
    sizes = region.evaluate("el => ({scroll: el.scrollWidth, client: el.clientWidth})")
    assert sizes["scroll"] <= sizes["client"], f"the matrix scrolls sideways inside itself: {sizes}"
    assert laptop.evaluate("() => document.documentElement.scrollWidth") <= 1366

    laptop.goto(f"{live_server.url}/studies/{ids['empty']}/journey-matrix")
    check_page(laptop, "Journey matrix")
    expect(laptop.get_by_role("heading", name="No notes yet")).to_be_visible()
    expect(laptop.get_by_text("Coverage gaps")).to_have_count(0)


def test_an_insight_is_not_made_empty_by_pressing_enter(laptop, live_server, app):
    ids = seed(app)
    sign_in(laptop, live_server, "dee@example.org", PASSWORD)
    laptop.goto(f"{live_server.url}/studies/{ids['study']}/affinity")
    statement = laptop.get_by_label("New insight, in the customer's voice")
    statement.press("Enter")  # empty: the browser asks for it, nothing is sent
    assert statement.evaluate("el => el.validity.valueMissing")
    statement.fill("Invoices are typed twice")
    statement.press("Enter")  # nothing ticked: refused, in words, and the statement is still there
    expect(laptop.get_by_role("alert")).to_contain_text("Tick the notes this insight groups")
    expect(statement).to_have_value("Invoices are typed twice")
    check_page(laptop, "Affinity workspace")
    laptop.get_by_role("checkbox", name="Types every invoice twice").check()
    laptop.get_by_role("button", name="Create insight from ticked notes").click()
    expect(laptop.locator(".flash")).to_contain_text("Insight created.")
    expect(laptop.get_by_role("heading", name="Invoices are typed twice")).to_be_visible()


def test_a_designer_renames_and_merges_tags_and_each_note_keeps_the_change_in_its_history(laptop, live_server, app):
    """The manage-tags page with the keyboard: a rename, then the near-duplicate merged from the hint; the note
    pages' histories carry each as a version by the designer (observations/many_edits.py writes them)."""
    ids = seed(app)
    with app.app_context():
        owner = db.session.query(User).filter_by(email="owner@example.org").one()
        study = db.session.get(Study, ids["study"])
        make_observation(study, owner, kind="workaround", text="Walks the route with a clipboard", tags=["walk r1"])
    sign_in(laptop, live_server, "dee@example.org", PASSWORD)
    laptop.goto(f"{live_server.url}/studies/{ids['study']}/tags/manage")
    check_page(laptop, "Manage tags")
    laptop.get_by_label("New name for “re-keying”").fill("double entry")
    laptop.get_by_label("New name for “re-keying”").press("Enter")
    expect(laptop.get_by_role("status")).to_contain_text("Tag “re-keying” renamed to “double entry”.")

    duplicates = laptop.get_by_role("region", name=re.compile("Possible duplicates"))
    expect(duplicates).to_contain_text("“walk r1” and “WALK-R1”")
    duplicates.get_by_role("button", name="Merge “WALK-R1” into “walk r1”").focus()
    laptop.keyboard.press("Enter")
    expect(laptop.get_by_role("status")).to_contain_text("Tag “WALK-R1” merged into “walk r1”")
    check_page(laptop, "Manage tags")
    expect(laptop.locator(".tag-rows li", has_text="walk r1")).to_contain_text("2 notes")
    expect(laptop.get_by_role("region", name="History")).to_contain_text("merged “WALK-R1” into “walk r1” (1 note)")

    laptop.goto(f"{live_server.url}/studies/{ids['study']}/notes/{ids['note']}")
    history = laptop.get_by_role("region", name="History")
    expect(history).to_contain_text("Version 2: Dee Designer changed it on the web")
    expect(history).to_contain_text("Tags: re-keying, WALK-R1 → WALK-R1, double entry")
    expect(history).to_contain_text("Version 3: Dee Designer changed it on the web")
    expect(history).to_contain_text("Tags: WALK-R1, double entry → double entry, walk r1")
