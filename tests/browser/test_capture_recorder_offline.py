"""A phone that opens the capture screen once and loses its signal straight away can still record an interview
(issue 14): the service worker keeps the recorder with the shell it installs, not seconds later."""
import re

from playwright.sync_api import expect

from tests.browser.capture_support import field, open_capture, unsent_badge
from tests.browser.test_capture_recording import choose_visit_and, interviews, microphone, server_recordings

__all__ = ["field", "microphone"]

RECORDER_LOADED = """() => performance.getEntriesByType('resource')
    .some((entry) => /\\/interview\\.[0-9a-f]{12}\\.js$/.test(new URL(entry.name).pathname))"""


def test_an_interview_is_recorded_offline_right_after_the_first_visit(microphone, live_server, app, field):
    page = microphone.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    open_capture(page, live_server, field)  # the first visit: the worker has installed and controls the page
    assert page.evaluate(RECORDER_LOADED) is False  # the page itself has not asked for the recorder yet
    microphone.set_offline(True)

    choose_visit_and(page, field, "P1")
    page.get_by_role("button", name="Record the interview").click()  # the recorder comes from the worker
    expect(page.get_by_role("status").filter(has_text="Recording the interview")).to_be_visible()
    expect(page.locator(".interview-elapsed")).to_have_text(re.compile(r"0:0[2-9]"), timeout=15000)
    page.get_by_role("button", name="Stop and keep").click()
    expect(page.get_by_role("status").filter(has_text="Interview kept on this phone")).to_be_visible()
    expect(unsent_badge(page)).to_have_text("1 interview not sent")
    [kept] = interviews(page)
    assert kept["state"] == "queued" and kept["size"] == kept["kept"] > 0

    assert page.reload().from_service_worker  # still offline: the screen and its recorder open again
    expect(page.locator("[data-interview] .note-state")).to_have_text("queued: sent when online", timeout=15000)
    assert server_recordings(app) == []

    microphone.set_offline(False)
    expect(page.locator("[data-interview] .note-state")).to_have_text("Sent: transcribed on the server",
                                                                     timeout=20000)
    [held] = server_recordings(app)
    assert (held["sha256"], held["size"], held["upload"]) == (kept["sha256"], kept["size"], "verified")
    assert errors == []
