"""Importing last year's notes from a spreadsheet on the import pages: upload, map, see the bad rows, fix, import."""
import re

from playwright.sync_api import expect
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Touchpoint
from tests.browser.conftest import sign_in
from tests.browser.ui_checks import check_page
from tests.factories import PASSWORD, make_study, make_user

# "Category" looks like the kind to the guesser, but holds topics: every row is refused until it is mapped to tags.
SPREADSHEET = ("Note,When,Stage,Category\n"
               "Prints the invoice and retypes it,2025-11-04 10:15,Use,billing\n"
               "Waits two days for the courier,2025-11-04 11:40,Delivery,logistics; waiting\n")


def owner_on_the_study_page(page, live_server, app):
    """Ana, signed in on her study's page: its id."""
    with app.app_context():
        study_id = make_study(make_user("ana@example.org", "Ana Lima"), "Invoices at Harbour Freight").id
    sign_in(page, live_server, "ana@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{study_id}")
    return study_id


def test_owner_imports_a_spreadsheet_after_fixing_what_the_preview_refuses(page, live_server, app):
    study_id = owner_on_the_study_page(page, live_server, app)
    page.get_by_role("link", name="Import notes").click()
    check_page(page, "Import notes from a CSV file")
    page.get_by_label("CSV file").set_input_files(
        files=[{"name": "last-year.csv", "mimeType": "text/csv", "buffer": SPREADSHEET.encode()}])
    page.get_by_role("button", name="Upload and preview").click()

    check_page(page, "Import notes: columns and preview")
    problems = page.get_by_role("region", name=re.compile("Rows that cannot be imported"))
    expect(problems.get_by_role("row")).to_have_count(3)  # the header and both rows
    expect(problems).to_contain_text("Unknown kind 'billing'")
    expect(page.get_by_role("button", name=re.compile("^Import"))).to_have_count(0)

    page.get_by_label("Kind").select_option(label="Not imported")
    page.get_by_label("Tags (separated by ;)").select_option(label="Category")
    page.get_by_role("button", name="Update the preview").click()
    check_page(page, "Import notes: columns and preview")
    expect(page.get_by_role("region", name=re.compile("Rows that cannot be imported"))).to_have_count(0)
    expect(page.get_by_label("Touchpoint: Delivery")).to_be_checked()
    expect(page.get_by_text("importing this file again will add its notes again")).to_be_visible()
    page.get_by_role("button", name="Import 2 notes").click()

    page.wait_for_url(re.compile(rf"/studies/{study_id}/notes$"))
    expect(page.get_by_text("Imported 2 notes. Created 1 touchpoint, 3 tags.")).to_be_visible()
    with app.app_context():
        imported = db.session.scalars(select(Observation).order_by(Observation.captured_at)).all()
        assert [(n.text, sorted(t.name for t in n.tags)) for n in imported] == [
            ("Prints the invoice and retypes it", ["billing"]),
            ("Waits two days for the courier", ["logistics", "waiting"])]
        assert db.session.get(Touchpoint, imported[1].touchpoint_id).name == "Delivery"


ROSTER = ("Organisation,Size,Pseudonym,Consent\n"
          "Halloran Regional Logistics,huge,P1 Finance,yes\n"
          "Meridian Dental Supply,50–249,P2 Buyer,notes\n")


def test_owner_imports_a_roster_after_fixing_what_the_preview_refuses(page, live_server, app):
    study_id = owner_on_the_study_page(page, live_server, app)
    page.get_by_role("link", name="Accounts").click()
    page.get_by_role("link", name="Import a roster").click()
    check_page(page, "Import a roster from a CSV file")
    for roster in (ROSTER, ROSTER.replace("huge", "250–999")):
        page.get_by_label("CSV file").set_input_files(
            files=[{"name": "roster.csv", "mimeType": "text/csv", "buffer": roster.encode()}])
        page.get_by_role("button", name="Upload and preview").click()
        check_page(page, "Import a roster: preview")
        if roster == ROSTER:
            problems = page.get_by_role("region", name=re.compile("Rows that cannot be imported"))
            expect(problems.get_by_role("row")).to_have_count(2)  # the header and line 2
            expect(problems).to_contain_text("A size is one of:")
            expect(page.get_by_role("button", name="Import the roster")).to_have_count(0)
            page.get_by_role("link", name="Import a roster").click()
    page.get_by_role("button", name="Import the roster").click()
    expect(page.get_by_text("Roster imported: 2 new accounts, 2 participants added.")).to_be_visible()
