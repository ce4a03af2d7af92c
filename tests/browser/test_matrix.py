"""The journey matrix, a note's page and tagging, in a real browser on a phone."""
import re

from playwright.sync_api import expect

from fieldnotes.extensions import db
from fieldnotes.studies.models import Role, Touchpoint
from tests.browser.conftest import sign_in
from tests.browser.ui_checks import assert_tap_targets, check_page
from tests.factories import PASSWORD, make_observation, make_participant, make_study, make_user, make_visit


def seed(app):
    """Dee designs a study with three notes: two end-user breakdowns at Use, one CIO delight at Purchase."""
    with app.app_context():
        owner = make_user("owner@example.org", "Olu Owner")
        study = make_study(owner, designer=[make_user("dee@example.org", "Dee Designer")])
        visit = make_visit(study, organisation="Halloran Regional Logistics")
        clerk = make_participant(study, [visit], pseudonym="P2 AP clerk")
        ids = {name: db.session.query(model).filter_by(study_id=study.id, name=name).one().id
               for model, name in [(Touchpoint, "Use"), (Touchpoint, "Purchase"), (Role, "End user"),
                                   (Role, "CIO")]}
        for text in ("Types every invoice twice, once into the fuel sheet.",
                     "Approvals wait for printouts on the finance lead's desk."):
            make_observation(study, owner, kind="breakdown", text=text, touchpoint_id=ids["Use"],
                             role_id=ids["End user"], participant_id=clerk.id, visit_id=visit.id)
        make_observation(study, owner, kind="delight", text="Signed on a phone between two depots.",
                         touchpoint_id=ids["Purchase"], role_id=ids["CIO"], visit_id=visit.id,
                         tags=["on-boarding", "onboarding"])
        return study.id, ids


def test_tap_a_cell_then_bulk_tag_the_notes_it_opens(page, live_server, app):
    study_id, ids = seed(app)
    sign_in(page, live_server, "dee@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{study_id}")
    page.get_by_role("navigation", name="Study").get_by_role("link", name="Journey matrix").click()
    check_page(page, "Journey matrix")
    assert_tap_targets(page)
    matrix = page.get_by_role("region", name=re.compile("Notes by role and touchpoint"))
    expect(matrix).to_contain_text("3 notes in all")
    expect(page.get_by_role("list").filter(has_text="No CIO seen at use")).to_be_visible()

    matrix.get_by_role("link", name=re.compile("^2 notes")).click()
    page.wait_for_url(re.compile(rf"/studies/{study_id}/notes\?touchpoint={ids['Use']}&role={ids['End user']}"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Notes")
    expect(page.locator(".note-row")).to_have_count(2)
    # The cell's facets count its notes: both breakdowns, nothing at Purchase under the End user filter.
    page.get_by_text("Filters (2 chosen)").click()
    expect(page.get_by_label("Breakdown (2)")).to_be_visible()
    touchpoints = page.get_by_role("group", name="Touchpoint")
    expect(touchpoints.get_by_label(re.compile(r"^Use \(2\)"))).to_be_checked()
    expect(touchpoints.get_by_label(re.compile("^Purchase"))).to_have_count(0)

    for box in page.get_by_role("checkbox", name=re.compile("invoice|Approvals")).all():
        box.check()
    page.get_by_label("Tag", exact=True).fill("approval delays")
    page.get_by_role("button", name="Apply to selected").click()
    expect(page.get_by_role("status")).to_contain_text("Added tag “approval delays” to 2 notes.")
    assert f"touchpoint={ids['Use']}" in page.url  # back on the same filtered list
    expect(page.locator(".note-row .chip", has_text="approval delays")).to_have_count(2)
    page.get_by_text("Filters (2 chosen)").click()
    expect(page.get_by_label("approval delays (2)")).to_be_visible()  # the new tag counted at once in its facet


def test_note_page_edit_and_tag_pages_are_accessible(page, live_server, app):
    study_id, ids = seed(app)
    sign_in(page, live_server, "dee@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{study_id}/journey-matrix?visit=1")
    check_page(page, "Journey matrix")
    page.goto(f"{live_server.url}/studies/{study_id}/notes?touchpoint={ids['Purchase']}&role={ids['CIO']}")
    page.get_by_role("link", name="Signed on a phone between two depots.").click()
    check_page(page, "Delight note")
    assert_tap_targets(page)
    page.get_by_label("Kind", exact=True).select_option("idea")
    page.get_by_label("Role", exact=True).select_option(label="End user")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Note updated.")
    check_page(page, "Idea note")
    history = page.get_by_role("region", name="History")
    expect(history).to_contain_text("Version 2: Dee Designer changed it on the web")
    expect(history).to_contain_text("Role: CIO → End user")

    page.goto(f"{live_server.url}/studies/{study_id}/tags")
    page.get_by_role("link", name="Rename, merge and review tags").click()
    check_page(page, "Manage tags")
    assert_tap_targets(page)
