"""Offline on Firefox and WebKit: the screen opens with the server gone, a note saved there is durable,
and it reaches the server exactly once when the server is back."""
from tests.browser.capture_support import field, server_notes
from tests.engines.steps import (
    local, open_capture, ready, save_note, settle, text_of, wait, wait_for_server, wait_for_text)

__all__ = ["field"]


def test_capture_offline_and_reload_keeps_the_note(phone, live_server, app, field):
    open_capture(phone, live_server, field)
    live_server.stop()  # gone for the page and for its worker: as good as offline, on every engine

    phone.reload()
    ready(phone, field)  # served by the service worker: the server is not there
    save_note(phone, "Prints the invoice to sign it by hand", kind="Workaround")
    wait_for_text(phone, "[data-badge-count]", "1 not sent")

    phone.reload()  # still offline: the note is on this phone, listed, and waiting
    ready(phone, field)
    assert [n["text"] for n in local(phone, "records")] == ["Prints the invoice to sign it by hand"]
    assert [m["op"] for m in local(phone, "outbox")] == ["create"]
    wait_for_text(phone, ".note", "Prints the invoice to sign it by hand")
    wait_for_text(phone, ".note .note-state", "Saved on this phone")
    assert server_notes(app, field["study_id"]) == {}


def test_a_saved_note_is_durable_before_the_screen_says_so(phone, live_server, app, field):
    open_capture(phone, live_server, field)
    live_server.stop()
    save_note(phone, "Keeps the price list in a drawer")
    # Gone at once: the page is replaced the instant it said "Saved on this phone.".
    phone.reload()
    ready(phone, field)
    assert [n["text"] for n in local(phone, "records")] == ["Keeps the price list in a drawer"]
    assert len(local(phone, "outbox")) == 1


def test_notes_saved_offline_arrive_exactly_once_after_reconnect(phone, live_server, app, field):
    open_capture(phone, live_server, field)
    live_server.stop()
    save_note(phone, "Rekeys the order into the old system")
    save_note(phone, "Asks a colleague for the export password")
    wait_for_text(phone, "[data-badge-net]", "Server not reachable")
    assert server_notes(app, field["study_id"]) == {}

    # Back, but the first answer is lost after the server stored the notes: the phone sends them again.
    app.test_client().post("/api/_test/faults", json={"after_commit": "503"})
    live_server.start()
    phone.call("() => document.querySelector('[data-sync-now]').click()")
    held = wait_for_server(phone, app, field["study_id"], ["Rekeys the order into the old system",
                                                          "Asks a colleague for the export password"])
    wait_for_text(phone, "[data-badge-count]", "All notes sent")
    settle(phone)
    assert local(phone, "outbox") == []
    assert sorted(len(v) for v in held.values()) == [1, 1]
    assert sorted(server_notes(app, field["study_id"])) == sorted(held)  # nothing doubled later either
    wait(phone, "() => [...document.querySelectorAll('.note .note-state')].every(s => s.textContent === 'Sent')",
         what="both notes to say Sent")
    assert text_of(phone, "[data-badge-net]") is not None
