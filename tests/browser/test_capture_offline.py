"""The capture screen works offline after one online visit, and nothing captured there is lost."""
from tests.browser.capture_support import (
    capture_url, field, local, open_capture, save_note, server_notes, settle, unsent_badge,
    wait_for_server)
from tests.browser.conftest import assert_accessible

__all__ = ["field"]


def test_a_note_captured_offline_waits_on_the_phone_and_arrives_once(page, context, live_server, app, field):
    open_capture(page, live_server, field)
    assert_accessible(page)

    context.set_offline(True)
    response = page.reload()
    assert response.from_service_worker
    page.get_by_role("radio", name=field["touchpoints"][0]).wait_for(state="attached")
    save_note(page, "Prints the invoice to sign it by hand", touchpoint=field["touchpoints"][2], kind="Workaround")

    assert [n["text"] for n in local(page, "records")] == ["Prints the invoice to sign it by hand"]
    outbox = local(page, "outbox")
    assert [m["op"] for m in outbox] == ["create"]
    assert unsent_badge(page).inner_text() == "1 not sent"
    assert "Offline" in page.locator("[data-badge-net]").inner_text()
    assert page.get_by_text("Saved on this phone", exact=True).is_visible()
    assert server_notes(app, field["study_id"]) == {}
    assert_accessible(page)

    context.set_offline(False)
    held = wait_for_server(page, app, field["study_id"], ["Prints the invoice to sign it by hand"])
    assert held["Prints the invoice to sign it by hand"][0]["kind"] == "workaround"
    settle(page)
    page.get_by_text("All notes sent").wait_for()
    assert local(page, "outbox") == []
    assert page.locator(".note .note-state").inner_text() == "Sent"
