"""Importing a QDA tool's codebook into tags through its pages: refused file, preview, import (axe-clean)."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.browser.ui_checks import check_page
from tests.factories import PASSWORD, make_study, make_user
from tests.test_codebook_import import NVIVO


def test_a_researcher_previews_and_imports_a_codebook_as_tags(page, live_server, app):
    with app.app_context():
        study_id = make_study(make_user("ana@example.org", "Ana Lima")).id
    sign_in(page, live_server, "ana@example.org", PASSWORD)
    page.goto(f"{live_server.url}/studies/{study_id}/import/codebook")
    check_page(page, "Import a codebook")

    page.get_by_label("Codebook file").set_input_files(
        {"name": "project.qde", "mimeType": "application/xml", "buffer": b"<Project/>"})
    page.get_by_role("button", name="Preview the import").click()
    expect(page.get_by_role("alert")).to_contain_text("root element")
    check_page(page, "Import a codebook")

    page.get_by_label("Codebook file").set_input_files(
        {"name": "nvivo.qdc", "mimeType": "application/xml", "buffer": NVIVO})
    page.get_by_role("button", name="Preview the import").click()
    check_page(page, "Preview: nvivo.qdc")
    expect(page.get_by_role("heading", name="3 new tags")).to_be_visible()
    expect(page.get_by_text("Payments / Late fees")).to_be_visible()
    page.get_by_role("button", name="Import 3 new tags").click()
    page.wait_for_url(re.compile(rf"/studies/{study_id}/tags$"))
    expect(page.get_by_text("Codebook imported: 3 tags added")).to_be_visible()
    expect(page.locator(".chip", has_text="Payments / Paper invoices")).to_be_visible()
