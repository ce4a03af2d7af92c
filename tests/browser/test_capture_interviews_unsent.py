"""An interview recorded on the phone and not yet on the server is never forgotten (issue 14): the badge, the
header of every page and the list behind the badge count it, signing out warns of it and can send it, and the
export of what is not sent holds its audio. A phone that recorded one and lost its connection can still sign
out knowing what it holds; nothing about it is claimed "sent" until the server has verified the whole file."""
import base64
import hashlib
import json
import re
from pathlib import Path

from playwright.sync_api import expect

from tests.browser.capture_support import field, open_capture, unsent_badge
from tests.browser.conftest import assert_accessible
from tests.browser.test_capture_recording import choose_visit_and, interviews, microphone, server_recordings
from tests.browser.ui_checks import assert_tap_targets

__all__ = ["field", "microphone"]

DECLARE = "**/api/studies/*/visits/*/recordings"  # where the phone declares an interview it sends


def record_an_interview(page, field, pseudonym="P1", seconds=2):
    """Record with the capture screen's recorder, then "Stop and keep": the interview is kept on this phone."""
    choose_visit_and(page, field, pseudonym)
    page.get_by_role("button", name="Record the interview").click()
    expect(page.get_by_role("status").filter(has_text="Recording the interview")).to_be_visible()
    expect(page.locator(".interview-elapsed")).to_have_text(re.compile(rf"0:0[{seconds}-9]"), timeout=15000)
    page.get_by_role("button", name="Stop and keep").click()
    expect(page.get_by_role("status").filter(has_text="Interview kept on this phone")).to_be_visible()
    [kept] = [row for row in interviews(page) if row["state"] != "sent"]
    assert kept["size"] == kept["kept"] > 0
    return kept


def refuse_interviews(context):
    """The phone cannot reach the recordings API (a dead spot for uploads): interviews stay queued."""
    context.route(DECLARE, lambda route: route.abort("internetdisconnected"))


def test_the_badge_the_list_and_every_pages_header_count_an_interview_not_sent(microphone, live_server, app, field):
    page = microphone.new_page()
    open_capture(page, live_server, field)
    expect(unsent_badge(page)).to_have_text("All notes sent")
    refuse_interviews(microphone)
    choose_visit_and(page, field, "P1")
    page.get_by_role("button", name="Record the interview").click()
    # Counted from its first second: a tab that crashes mid-interview still has it on the phone.
    expect(unsent_badge(page)).to_have_text("1 interview not sent")
    expect(page.locator(".interview-elapsed")).to_have_text(re.compile(r"0:0[2-9]"), timeout=15000)
    page.get_by_role("button", name="Stop and keep").click()
    expect(page.get_by_role("status").filter(has_text="Interview kept on this phone")).to_be_visible()
    expect(unsent_badge(page)).to_have_text("1 interview not sent")
    expect(page.get_by_text("All notes sent")).to_have_count(0)

    page.locator("[data-badge-open]").click()
    panel = page.get_by_role("region", name="Not sent yet, or needing attention")
    item = panel.locator("li", has_text="Interview with P1")
    expect(item).to_contain_text("Interview: waiting to be sent")
    expect(panel.get_by_text("Nothing: every note, photo and recording is sent.")).to_be_hidden()
    assert_accessible(page)
    assert_tap_targets(page)

    page.goto(f"{live_server.url}/studies/{field['study_id']}")  # away from capture: the header still says it
    header = page.locator("[data-unsent-count]")
    expect(header).to_have_text("1 interview not sent")
    expect(header).to_have_attribute("href", f"/studies/{field['study_id']}/capture")

    microphone.unroute(DECLARE)
    header.click()  # back on capture, online: the interview goes, and only then is nothing left
    expect(page.locator("[data-interview] .note-state")).to_have_text("Sent: transcribed on the server",
                                                                     timeout=20000)
    expect(unsent_badge(page)).to_have_text("All notes sent")
    [held] = server_recordings(app)
    assert held["upload"] == "verified" and held["title"].startswith("Interview with P1")
    page.goto(f"{live_server.url}/studies/{field['study_id']}")
    page.wait_for_load_state("networkidle")
    expect(page.locator("[data-unsent-count]")).to_be_hidden()


def test_signing_out_warns_of_an_interview_not_sent_and_send_now_sends_it_first(microphone, live_server, app,
                                                                                field):
    page = microphone.new_page()
    open_capture(page, live_server, field)
    refuse_interviews(microphone)
    kept = record_an_interview(page, field)

    page.get_by_role("button", name="Sign out").click()
    dialog = page.get_by_role("dialog", name="Sign out of this phone")
    expect(dialog).to_contain_text("On this phone: 1 interview not sent.")
    send_now = dialog.get_by_role("button", name="Send now, then sign out")
    send_now.click()  # still no way through for the interview: the phone says so and stays signed in
    expect(dialog).to_contain_text("Still not sent: 1 interview not sent.")
    assert "/login" not in page.url and server_recordings(app) == []

    microphone.unroute(DECLARE)
    send_now.click()
    page.wait_for_url("**/login")
    [held] = server_recordings(app)
    assert (held["sha256"], held["size"], held["upload"]) == (kept["sha256"], kept["size"], "verified")


def test_the_export_of_what_is_not_sent_holds_the_interviews_audio(microphone, live_server, app, field):
    page = microphone.new_page()
    open_capture(page, live_server, field)
    refuse_interviews(microphone)
    kept = record_an_interview(page, field, "P2")
    microphone.set_offline(True)  # the copy is wanted most where there is no signal: the export needs none

    with page.expect_download() as download:
        page.get_by_role("button", name="Export what is not sent").click()
    exported = json.loads(Path(download.value.path()).read_text())
    [interview] = exported["interviews"]
    audio = base64.b64decode(interview["base64"], validate=True)
    assert hashlib.sha256(audio).hexdigest() == kept["sha256"] and len(audio) == kept["size"]
    assert audio[:4] == b"\x1a\x45\xdf\xa3"  # the WebM as recorded: a file that plays and can be added to the visit
    assert (interview["visit_id"], interview["participant_id"]) == (kept["visit_id"], kept["participant_id"])
    assert interview["title"].startswith("Interview with P2") and interview["elapsed_ms"] >= 2000
    # The copy in hand leaves the phone's own untouched: it is still sent when the connection allows.
    [still] = interviews(page)
    assert still["state"] == "queued" and still["kept"] == kept["size"]
