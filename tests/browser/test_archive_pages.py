"""The study archive in a real browser: an owner reads what it holds, downloads it, and imports it
as a new study by keyboard; a file that is not an archive gets its reason. Axe-clean, 44 px targets."""
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import func, select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Study
from tests.browser.conftest import sign_in
from tests.browser.ui_checks import assert_tap_targets, check_page, tab_to
from tests.factories import PASSWORD, make_observation, make_study, make_user


def test_an_owner_downloads_the_archive_and_imports_it_as_a_new_study(page, live_server, app, tmp_path):
    with app.app_context():
        ana = make_user("ana@example.org", name="Ana")
        study = make_study(ana, name="Onboarding at mid-size accounts")
        make_observation(study, ana, text="Keeps a paper list of overdue invoices beside the keyboard.")
        study_id = study.id
    sign_in(page, live_server, "ana@example.org", PASSWORD)

    page.goto(f"{live_server.url}/studies/{study_id}/export/archive")
    check_page(page, "Study archive")
    assert_tap_targets(page)
    expect(page.get_by_role("list").filter(has_text="real names")).to_contain_text("pseudonyms are enough")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the archive").click()
    archive = tmp_path / "study.zip"
    Path(download.value.path()).replace(archive)

    page.goto(f"{live_server.url}/import/archive")
    check_page(page, "Import a study archive")
    page.get_by_label("Archive file (.zip)").set_input_files(str(archive))
    tab_to(page, "Import")
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("Imported “Onboarding at mid-size accounts”")
    check_page(page, "Onboarding at mid-size accounts")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Study)) == 2
        assert db.session.scalar(select(func.count()).select_from(Observation)) == 2

    page.goto(f"{live_server.url}/import/archive")
    page.get_by_label("Archive file (.zip)").set_input_files(
        files=[{"name": "notes.csv", "mimeType": "text/csv", "buffer": b"time,text\n"}])
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_role("alert")).to_contain_text("This is not a zip file")
    check_page(page, "Import a study archive")
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Study)) == 2
