"""Site visits and participants through their pages (notes/contracts.md), on a phone."""
import re
from datetime import date

from playwright.sync_api import expect
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.studies.models import Role
from fieldnotes.visits.models import Participant, SiteVisit
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.ui_checks import assert_fits_width, assert_tap_targets, submit_empty
from tests.factories import PASSWORD, make_study, make_user


def test_owner_records_a_site_visit_and_a_participant_on_a_phone(page, live_server, app):
    """Through the visit and participant pages as in notes/contracts.md."""
    with app.app_context():
        ana = make_user("ana@example.org", "Ana Lima")
        study_id = make_study(ana, "Invoices at Harbour Freight",
                              researcher=make_user("bo@example.org", "Bo Chen")).id
    sign_in(page, live_server, "ana@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{study_id}")
    page.get_by_role("navigation", name="Study").get_by_role("link", name="Site visits").click()
    check_fieldwork_page(page)
    page.get_by_role("link", name="New visit").click()
    check_fieldwork_page(page)
    submit_empty(page, "Save visit", page.get_by_role("heading", level=1).inner_text())

    page.get_by_label("Date").fill("2026-11-18")
    page.get_by_label("Organisation").fill("Harbour Freight Ltd")
    page.get_by_label("Place").fill("Accounts payable office, Leith")
    page.get_by_label("Summary").fill("Two clerks keying supplier invoices.")
    page.get_by_label("Ana Lima").check()
    page.get_by_label("Bo Chen").check()
    page.get_by_role("button", name="Save visit").click()
    page.wait_for_url(re.compile(rf"/studies/{study_id}/visits/\d+$"))
    visit_url = page.url
    check_fieldwork_page(page, "Harbour Freight Ltd")
    expect(page.get_by_text("Researchers:")).to_contain_text("Ana Lima")
    expect(page.get_by_text("Researchers:")).to_contain_text("Bo Chen")
    expect(page.get_by_role("link", name="Edit")).to_be_visible()

    page.get_by_role("link", name="Add participant to this visit").click()
    assert "visit_id=" in page.url
    check_fieldwork_page(page)
    submit_empty(page, "Save participant", page.get_by_role("heading", level=1).inner_text())
    page.get_by_label("Pseudonym").fill("P1 clerk")
    page.get_by_label("Role").select_option(label="End user")
    page.get_by_label("Organisation").fill("Harbour Freight Ltd")
    page.get_by_label("Real name (private)").fill("Morag Fraser")
    page.get_by_label("Consent given").check()
    page.get_by_label("Consent date").fill("2026-11-18")
    consent = page.get_by_role("group", name="Consent covers")
    consent.get_by_label("Notes").check()
    consent.get_by_label("Quotes").check()
    page.get_by_role("button", name="Save participant").click()
    page.wait_for_url(visit_url)
    listed = page.get_by_role("region", name="Participants")
    expect(listed.get_by_role("link", name="P1 clerk")).to_be_visible()  # on the visit page
    check_fieldwork_page(page, "Harbour Freight Ltd")

    page.goto(f"{live_server.url}/studies/{study_id}/participants")
    check_fieldwork_page(page, "Participants")
    page.get_by_role("link", name="P1 clerk").click()
    check_fieldwork_page(page, "P1 clerk")
    expect(page.get_by_text("End user").first).to_be_visible()
    expect(page.get_by_text("Real name (private): Morag Fraser")).to_be_visible()  # an owner sees it
    expect(page.get_by_role("region", name="Site visits").get_by_role("link")).to_contain_text(
        "Harbour Freight Ltd")

    assert_visit_stored(app, study_id)


def check_fieldwork_page(page, heading=None, tap=True):
    """The visit and participant pages owe a phone user what the foundation pages do."""
    if heading:
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)
    assert_fits_width(page)
    if tap:
        assert_tap_targets(page)


def assert_visit_stored(app, study_id):
    with app.app_context():
        visit = db.session.scalars(select(SiteVisit).where(SiteVisit.study_id == study_id)).one()
        assert (visit.visited_on, visit.organisation, visit.place, visit.summary) == (
            date(2026, 11, 18), "Harbour Freight Ltd", "Accounts payable office, Leith",
            "Two clerks keying supplier invoices.")
        assert sorted(u.name for u in visit.researchers) == ["Ana Lima", "Bo Chen"]
        person = db.session.scalars(select(Participant).where(Participant.study_id == study_id)).one()
        role_name = db.session.get(Role, person.role_id).name
        assert (person.pseudonym, role_name, person.organisation, person.real_name) == (
            "P1 clerk", "End user", "Harbour Freight Ltd", "Morag Fraser")
        assert (person.consent_given, person.consent_on) == (True, date(2026, 11, 18))
        assert (person.consent_notes, person.consent_quotes, person.consent_photos, person.consent_audio) == (
            True, True, False, False)
        assert [p.id for p in visit.participants] == [person.id]
