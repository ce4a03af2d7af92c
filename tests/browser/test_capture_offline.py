"""The capture screen works offline after one online visit, and nothing captured there is lost."""
from playwright.sync_api import expect

from tests.browser.capture_support import (
    capture_url, field, local, open_capture, ready, save_note, server_notes, settle, unsent_badge,
    wait_for_server)
from tests.browser.conftest import PHONE, assert_accessible, sign_in
from tests.factories import PASSWORD

__all__ = ["field"]


def test_a_note_captured_offline_waits_on_the_phone_and_arrives_once(page, context, live_server, app, field):
    open_capture(page, live_server, field)
    assert_accessible(page)

    context.set_offline(True)
    response = page.reload()
    assert response.from_service_worker
    page.get_by_role("radio", name=field["touchpoints"][0], exact=True, include_hidden=True).wait_for(state="attached")
    save_note(page, "Prints the invoice to sign it by hand", touchpoint=field["touchpoints"][2], kind="Workaround")

    assert [n["text"] for n in local(page, "records")] == ["Prints the invoice to sign it by hand"]
    outbox = local(page, "outbox")
    assert [m["op"] for m in outbox] == ["create"]
    expect(unsent_badge(page)).to_have_text("1 not sent")
    expect(page.locator("[data-badge-net]")).to_contain_text("Offline")
    assert page.get_by_text("Saved on this phone", exact=True).is_visible()
    assert server_notes(app, field["study_id"]) == {}
    assert_accessible(page)

    context.set_offline(False)
    held = wait_for_server(page, app, field["study_id"], ["Prints the invoice to sign it by hand"])
    assert held["Prints the invoice to sign it by hand"][0]["kind"] == "workaround"
    settle(page)
    page.get_by_text("All notes sent").wait_for()
    assert local(page, "outbox") == []
    expect(page.locator(".note .note-state")).to_have_text("Sent")


def test_notes_captured_while_the_server_is_down_arrive_when_it_is_back(page, live_server, app, field):
    open_capture(page, live_server, field)
    live_server.stop()  # really gone: no update checks, no answers, for the worker too
    response = page.reload()
    assert response.from_service_worker
    page.get_by_role("radio", name=field["touchpoints"][0], exact=True, include_hidden=True).wait_for(state="attached")
    save_note(page, "Rekeys the order into the old system", touchpoint=field["touchpoints"][4])
    save_note(page, "Asks a colleague for the export password")
    page.get_by_text("Server not reachable, will retry").wait_for()
    expect(unsent_badge(page)).to_have_text("2 not sent")
    assert server_notes(app, field["study_id"]) == {}

    live_server.start()  # same port: the same phone sees the server come back
    # No tap needed: the back-off timer retries on its own.
    wait_for_server(page, app, field["study_id"], ["Rekeys the order into the old system",
                                                  "Asks a colleague for the export password"], timeout=45000)
    page.get_by_text("All notes sent").wait_for()
    assert local(page, "outbox") == []


def test_a_new_version_takes_over_without_losing_waiting_notes(page, context, live_server, app, field):
    open_capture(page, live_server, field)
    old = page.evaluate("async () => (await caches.keys()).filter(k => k.startsWith('fieldnotes-v'))")
    context.route("**/api/sync/push", lambda route: route.abort())  # tab and worker: notes wait
    save_note(page, "Keeps two spreadsheets for the same stock")
    save_note(page, "Calls support twice a week")
    page.get_by_text("Server not reachable, will retry").wait_for()

    app.config["PWA_VERSION_SUFFIX"] = "next"
    page.get_by_label("Note", exact=True).fill("Half a thought")
    page.evaluate("async () => (await navigator.serviceWorker.getRegistration()).update()")
    page.wait_for_function("async () => !!(await navigator.serviceWorker.getRegistration()).waiting")
    reload_offer = page.get_by_role("button", name="A new version is ready — reload")
    assert not reload_offer.is_visible()  # never while a note is half-written
    page.get_by_label("Note", exact=True).fill("")
    reload_offer.wait_for()
    with page.expect_navigation():
        reload_offer.click()
    page.get_by_role("radio", name=field["touchpoints"][0], exact=True, include_hidden=True).wait_for(state="attached")
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")

    new = page.evaluate("async () => (await caches.keys()).filter(k => k.startsWith('fieldnotes-v'))")
    assert len(new) == 1 and new != old and new[0].endswith("-next")
    assert len(local(page, "outbox")) == 2
    expect(unsent_badge(page)).to_have_text("2 not sent")

    context.unroute("**/api/sync/push")
    page.get_by_role("button", name="Sync now").click()
    wait_for_server(page, app, field["study_id"], ["Keeps two spreadsheets for the same stock",
                                                  "Calls support twice a week"])
    page.get_by_text("All notes sent").wait_for()


def test_back_in_signal_a_push_the_server_turns_away_is_tried_again_in_seconds(browser, live_server, app, field):
    """However long the phone was without signal, once it is back a failed push is tried again within seconds,
    not after the minute its retries had backed off to. No worker here: Safari has no Background Sync, so on an
    iPhone the page's own retry is all that sends the notes."""
    context = browser.new_context(**PHONE, service_workers="block")
    page = context.new_page()
    page.clock.install()  # the page's timers run only as the test lets time pass
    sign_in(page, live_server, field["email"], PASSWORD)
    page.goto(capture_url(live_server, field))
    ready(page)
    context.set_offline(True)
    save_note(page, "Keeps the delivery notes in a shoebox")
    for _ in range(30):  # two minutes without signal: each try finds none, and the next waits longer
        page.clock.run_for(4000)
        page.wait_for_timeout(20)
    turned_away = []

    def busy_once(route):
        turned_away.append(route.request.url)
        if len(turned_away) > 1:
            return route.continue_()
        return route.fulfill(status=503, content_type="application/problem+json", body='{"title": "Busy"}')
    context.route("**/api/sync/push", busy_once)
    context.set_offline(False)  # "online": the page pushes at once, and the server is busy for that one push
    expect(page.locator("[data-badge-net]")).to_contain_text("not reachable")
    for _ in range(10):  # five seconds
        page.clock.run_for(500)
        page.wait_for_timeout(100)
        if "Keeps the delivery notes in a shoebox" in server_notes(app, field["study_id"]):
            break
    assert len(turned_away) == 2
    assert len(server_notes(app, field["study_id"])["Keeps the delivery notes in a shoebox"]) == 1
    context.close()
