"""Exporting from browse in a real browser: a filter chosen, the export page read, a CSV downloaded."""
import csv
import io
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM_ARGS, sign_in  # noqa: F401
from tests.browser.ui_checks import assert_tap_targets, check_page
from tests.factories import PASSWORD, make_observations, make_participant, make_study, make_user, make_visit


def seed(app):
    """Rita researches a study with three notes, two of them breakdowns; P2 gave no consent."""
    with app.app_context():
        owner = make_user("owner@example.org", "Olu Owner")
        study = make_study(owner, researcher=[make_user("rita@example.org", "Rita Researcher")])
        visit = make_visit(study, organisation="Halloran Regional Logistics")
        p1 = make_participant(study, [visit], pseudonym="P1")
        p2 = make_participant(study, [visit], pseudonym="P2", consent_given=False)
        make_observations(study, owner, [
            {"kind": "breakdown", "text": "=SUM(A1) typed into the notes, \"quoted\", then a comma",
             "participant_id": p1.id, "visit_id": visit.id, "captured_at": "2026-03-10T09:00:00+00:00"},
            {"kind": "breakdown", "text": "Waits a week for a signature", "participant_id": p2.id,
             "visit_id": visit.id, "captured_at": "2026-03-11T09:00:00+00:00"},
            {"kind": "delight", "text": "Signed on a phone between two depots", "participant_id": p1.id,
             "visit_id": visit.id, "captured_at": "2026-03-12T09:00:00+00:00"}])
        return study.id


def test_from_a_browse_filter_to_a_downloaded_csv_by_keyboard(page, live_server, app):
    study_id = seed(app)
    sign_in(page, live_server, "rita@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{study_id}/notes?kind=breakdown")
    expect(page.get_by_role("heading", level=2)).to_have_text("2 notes match")
    page.get_by_role("link", name="Export these notes").click()
    page.wait_for_url(re.compile(r"/export\?kind=breakdown"))
    page.wait_for_load_state("load")
    check_page(page, "Export notes")
    assert_tap_targets(page)
    expect(page.get_by_text("2 notes", exact=True)).to_be_visible()
    expect(page.get_by_role("listitem")
           .filter(has_text="1 note from P2: the participant has not given consent")).to_be_visible()
    expect(page.get_by_role("radio", name="CSV (spreadsheets, any tool)")).to_be_checked()
    page.get_by_role("radio", name="Outside the team").press("Space")
    expect(page.get_by_role("radio", name="Outside the team")).to_be_checked()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").press("Enter")
    assert re.fullmatch(r"onboarding-at-mid-size-accounts-notes-\d{4}-\d\d-\d\d\.csv",
                        download.value.suggested_filename)
    data = Path(download.value.path()).read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert [row[7] for row in rows[1:]] == ["'=SUM(A1) typed into the notes, \"quoted\", then a comma"]
