"""The capture screen as a researcher meets it on a phone: one screen, taps not typing,
context that stays, delete and export that work offline, and a plain word when storage is missing."""
import base64
import json
from pathlib import Path

from playwright.sync_api import expect
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from tests.browser.capture_support import (
    capture_url, choose, field, local, open_capture, save_note, server_notes, settle, wait_for_server)
from tests.browser.conftest import PHONE, assert_accessible, sign_in
from tests.browser.test_capture_media import noisy_png
from tests.browser.ui_checks import assert_fits_width, assert_tap_targets
from tests.factories import PASSWORD

__all__ = ["field"]


def stored(app, text):
    with app.app_context():
        note = db.session.scalar(select(Observation).where(Observation.text == text))
        result = {"kind": str(note.kind), "expected": note.expected, "visit_id": note.visit_id,
                  "participant": note.participant_id and note.participant_id, "role_id": note.role_id,
                  "tags": [t.name for t in note.tags], "deleted": note.deleted_at is not None}
        db.session.remove()
        return result


def test_one_tap_capture_keeps_the_context_for_the_next_note(page, live_server, app, field):
    open_capture(page, live_server, field)
    page.get_by_label("Visit", exact=True).select_option(str(field["visit_id"]))
    choose(page, "P1")
    expect(page.get_by_role("radio", name=field["end_user_role"])).to_be_checked()  # the participant's role
    choose(page, field["touchpoints"][4], "Touchpoint")
    expect(page.get_by_label("What they expected")).to_be_hidden()
    choose(page, "Breakdown")
    page.get_by_label("What they expected").fill("The report to open in one click")
    page.get_by_label("New tag").fill("Reporting")
    page.get_by_role("button", name="Add tag").click()
    expect(page.get_by_role("checkbox", name="Reporting")).to_be_checked()
    assert_accessible(page)
    assert_tap_targets(page)
    assert_fits_width(page)

    save_note(page, "Waits four minutes for the month-end report")
    wait_for_server(page, app, field["study_id"], ["Waits four minutes for the month-end report"])
    note = stored(app, "Waits four minutes for the month-end report")
    assert note["kind"] == "breakdown" and note["expected"] == "The report to open in one click"
    assert note["visit_id"] == field["visit_id"] and note["tags"] == ["Reporting"]
    assert note["role_id"] is not None and note["participant"] is not None

    # What stays for the next note, and what starts fresh.
    expect(page.get_by_role("radio", name="P1", include_hidden=True)).to_be_checked()
    expect(page.get_by_role("radio", name=field["touchpoints"][4], exact=True, include_hidden=True)).to_be_checked()
    expect(page.get_by_role("radio", name="Observation", include_hidden=True)).to_be_checked()
    expect(page.get_by_label("Note", exact=True)).to_have_value("")
    expect(page.locator(".note", has_text="Waits four minutes")).to_contain_text("Sent")

    page.reload()  # the visit is remembered on this phone
    page.get_by_role("radio", name="P1", include_hidden=True).wait_for(state="attached")
    expect(page.get_by_label("Visit", exact=True)).to_have_value(str(field["visit_id"]))
    expect(page.locator(".note", has_text="Waits four minutes")).to_be_visible()


def test_deleting_offline_forgets_unsent_notes_and_sends_a_tombstone_for_sent_ones(
        page, context, live_server, app, field):
    open_capture(page, live_server, field)
    save_note(page, "Sent before going offline")
    [sent] = wait_for_server(page, app, field["study_id"], ["Sent before going offline"])[
        "Sent before going offline"]
    settle(page)
    context.set_offline(True)
    save_note(page, "Never left the phone")
    for text in ("Never left the phone", "Sent before going offline"):
        page.get_by_role("button", name=f"Delete note: {text}").click()
        page.get_by_role("button", name="Yes, delete").click()
        expect(page.locator(".note", has_text=text)).to_have_count(0)
    assert [m["op"] for m in local(page, "outbox")] == ["delete"]  # the unsent one is simply gone

    context.set_offline(False)
    page.get_by_text("All notes sent").wait_for()
    assert server_notes(app, field["study_id"]) == {}
    assert "Sent before going offline" in server_notes(app, field["study_id"], deleted=True)
    assert sent["version"] == 1
    assert local(page, "records") == []


def test_export_downloads_the_unsent_notes_with_their_photos(page, context, live_server, app, field):
    open_capture(page, live_server, field)
    context.set_offline(True)
    photo = noisy_png(40, 30)
    page.get_by_label("Photo").set_input_files(
        files=[{"name": "till.png", "mimeType": "image/png", "buffer": photo}])
    save_note(page, "Tapes the till receipt to the invoice")
    with page.expect_download() as download:
        page.get_by_role("button", name="Export what is not sent").click()
    exported = json.loads(Path(download.value.path()).read_text())
    assert [n["text"] for n in exported["notes"]] == ["Tapes the till receipt to the invoice"]
    assert [m["op"] for m in exported["mutations"]] == ["create"]
    assert base64.b64decode(exported["media"][0]["base64"]) == photo
    expect(page.locator(".note .note-state")).to_have_text("Saved on this phone")


def test_a_browser_that_cannot_store_notes_says_so(page, live_server, app, field):
    page.add_init_script("Object.defineProperty(window, 'indexedDB', { value: undefined })")
    sign_in(page, live_server, field["email"], PASSWORD)
    page.goto(capture_url(live_server, field))
    expect(page.get_by_role("alert")).to_contain_text("This browser cannot keep notes on this phone")
    expect(page.get_by_role("button", name="Save note")).to_be_disabled()


def test_chrome_finds_the_capture_app_installable(playwright, browser_type_launch_args, tmp_path,
                                                   live_server, field):
    # Installability is only reported outside incognito: a persistent profile (shared/testing.md).
    context = playwright.chromium.launch_persistent_context(
        str(tmp_path / "profile"), **browser_type_launch_args, **PHONE)
    try:
        page = context.new_page()
        open_capture(page, live_server, field)
        cdp = context.new_cdp_session(page)
        assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []
        manifest = cdp.send("Page.getAppManifest")
        assert manifest["url"].endswith(f"/manifest.webmanifest?start=/studies/{field['study_id']}/capture")
        assert manifest["errors"] == []
    finally:
        context.close()


def test_a_tap_on_save_before_the_screen_is_ready_never_loses_the_note(page, live_server, app, field):
    """On a weak signal the study context is slow: Save waits, the typed note stays, then it saves."""
    sign_in(page, live_server, field["email"], PASSWORD)
    release = []

    def slow_context(route):
        release.append(route)  # held until the note has been typed and Save tapped

    page.route("**/api/studies/*/context", slow_context)
    page.goto(capture_url(live_server, field))
    page.get_by_label("Note", exact=True).fill("Prints the quote twice, one for the file")
    save = page.get_by_role("button", name="Save note")
    expect(save).to_be_disabled()
    page.get_by_label("Note", exact=True).press("Enter")
    save.click(force=True)  # a determined tap on the disabled button
    assert page.url == capture_url(live_server, field)
    for route in release:
        route.continue_()
    page.unroute("**/api/studies/*/context")
    expect(save).to_be_enabled()
    text = "Prints the quote twice, one for the file"
    assert page.get_by_label("Note", exact=True).input_value().strip() == text
    save.click()
    page.get_by_text("Saved on this phone.").wait_for()
    held = wait_for_server(page, app, field["study_id"], [text])
    assert list(held) == [text]
