"""The API's documentation page, as a script writer reads it: in the browser, by keyboard, axe-clean."""
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible, sign_in
from tests.factories import PASSWORD, make_user


def test_the_api_docs_page_reads_and_navigates_without_script(page, live_server, app):
    with app.app_context():
        make_user("ana@example.org", "Ana")
    sign_in(page, live_server, "ana@example.org", PASSWORD)
    page.goto(f"{live_server.url}/api/v1/docs")
    expect(page.get_by_role("heading", level=1)).to_have_text("Fieldnotes API, version 1")
    page.get_by_role("link", name="PATCH /api/v1/studies/{study_id}/notes/{note_id}").click()
    assert page.url.endswith("#change_note")
    section = page.get_by_role("region", name="PATCH /api/v1/studies/{study_id}/notes/{note_id}")
    expect(section.get_by_role("table", name="Answers of PATCH /api/v1/studies/{study_id}/notes/{note_id}")
           ).to_contain_text("409")
    assert_accessible(page)
