"""Issue 12, the researcher on the phone: each capture card says the note's role and how its photo is
getting on (waiting, uploading, sent, failed), and what is not sent shows in the header of every page,
not only on capture."""
import re

from playwright.sync_api import expect

from tests.browser.capture_support import choose, field, open_capture, save_note, settle, wait_for_server
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.test_capture_media import noisy_png
from tests.browser.ui_checks import assert_fits_width, assert_tap_targets
from tests.factories import PASSWORD

__all__ = ["field"]
MB = 1024 * 1024


def card(page, text):
    return page.locator(".note", has_text=text)


def header_count(page):
    return page.locator(".site-header [data-unsent-count]")


def test_a_card_shows_the_role_and_its_photo_waiting_then_sent(page, context, live_server, app, field):
    open_capture(page, live_server, field)
    page.get_by_label("Visit", exact=True).select_option(str(field["visit_id"]))
    choose(page, "P1", "Participant")  # P1's role comes with them
    context.set_offline(True)
    page.get_by_label("Photo").set_input_files(
        files=[{"name": "desk.png", "mimeType": "image/png", "buffer": noisy_png(40, 30)}])
    save_note(page, "Keeps the supplier list on a sticky note")
    note = card(page, "Keeps the supplier list on a sticky note")
    expect(note.locator(".note-meta")).to_contain_text(field["end_user_role"])
    expect(note.locator(".note-media")).to_have_text("Photo: waiting to upload")
    assert_accessible(page)

    context.set_offline(False)
    expect(note.locator(".note-media")).to_have_text("Photo: sent", timeout=30000)
    expect(note.locator(".note-state")).to_have_text("Sent")


def test_a_card_shows_a_photo_uploading_and_one_the_server_refused(page, context, live_server, app, field):
    open_capture(page, live_server, field)
    held = []

    def hold_the_second_chunk(route):
        if route.request.method == "PATCH" and route.request.headers["upload-offset"] == str(MB):
            held.append(route)  # answered when the test says so: a slow link, without timing
            return None
        return route.continue_()
    context.route("**/api/media/*", hold_the_second_chunk)
    page.get_by_label("Photo").set_input_files(
        files=[{"name": "rota.png", "mimeType": "image/png", "buffer": noisy_png()}])
    save_note(page, "The rota is pinned by the staff kettle")
    wait_for_server(page, app, field["study_id"], ["The rota is pinned by the staff kettle"])
    uploading = card(page, "The rota is pinned").locator(".note-media")
    expect(uploading).to_have_text(re.compile(r"^Photo: uploading 4[0-9]%$"))
    held[0].continue_()
    expect(uploading).to_have_text("Photo: sent", timeout=30000)

    # Declared a PNG, but not one: the server refuses the file, and the card says so.
    page.get_by_label("Photo").set_input_files(
        files=[{"name": "broken.png", "mimeType": "image/png", "buffer": b"not a picture at all " * 50}])
    save_note(page, "A picture the phone could not read")
    refused = card(page, "A picture the phone could not read")
    expect(refused.locator(".note-media")).to_have_text(re.compile(r"^Photo: failed"), timeout=30000)
    assert_accessible(page)


def test_what_is_not_sent_shows_on_every_page(page, context, live_server, app, field):
    open_capture(page, live_server, field)
    context.route("**/api/sync/push", lambda route: route.abort())  # the server out of reach
    save_note(page, "Checks the fax tray every morning")
    settle(page)
    expect(header_count(page)).to_have_text("1 note not sent")

    study_page = context.new_page()  # the researcher looks at the study meanwhile
    study_page.goto(f"{live_server.url}/studies/{field['study_id']}")
    count = header_count(study_page)
    expect(count).to_have_text("1 note not sent")
    expect(count).to_have_attribute("href", f"/studies/{field['study_id']}/capture")
    assert_accessible(study_page)
    assert_tap_targets(study_page)
    assert_fits_width(study_page)

    # Saved and sent in the capture tab: the other page follows without a reload.
    save_note(page, "Prints the fax to scan it")
    expect(count).to_have_text("2 notes not sent")
    context.unroute("**/api/sync/push")
    page.get_by_role("button", name="Sync now").click()
    wait_for_server(page, app, field["study_id"], ["Checks the fax tray every morning", "Prints the fax to scan it"])
    expect(count).to_be_hidden()
    expect(header_count(page)).to_be_hidden()


def test_a_laptop_that_never_captured_gets_no_store(browser, live_server, app, field):
    laptop = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        page = laptop.new_page()
        sign_in(page, live_server, field["email"], PASSWORD)
        page.goto(f"{live_server.url}/studies/{field['study_id']}")
        page.wait_for_load_state("networkidle")
        expect(header_count(page)).to_be_hidden()
        assert page.evaluate("async () => (await indexedDB.databases()).map(d => d.name)") == []
    finally:
        laptop.close()
