"""The README's restore procedure with a real phone: back up, the phone sends note B (applied),
restore, restart the server. B is on the server afterwards, once, and a note another phone
sends later reaches the first phone. With `flask restore`, and with a restore done by hand."""
import pytest
from playwright.sync_api import expect

from fieldnotes.extensions import db
from fieldnotes.studies.models import Study
from tests.browser.capture_support import (
    field, local, open_capture, save_note, server_notes, settle, wait_for_server)
from tests.factories import add_member, make_user
from tests.restore_support import by_hand_backup, by_hand_restore, run_command

__all__ = ["field"]

BEFORE = "Reads the delivery note aloud before signing"
B = "Signs for deliveries on paper, then retypes them"
C = "Keeps a second login for the night shift"


@pytest.fixture
def colleague(app, field):
    """A second researcher in the study, with a phone of her own."""
    with app.app_context():
        add_member(db.session.get(Study, field["study_id"]), make_user("sami@example.org", name="Sami"),
                   "researcher")
    return {**field, "email": "sami@example.org"}


def sync_now(page):
    page.bring_to_front()
    page.get_by_role("button", name="Sync now").click()
    settle(page)


def note_item(page, text):
    return page.locator(".note", has_text=text)


def phone_sends_b_after_the_backup(page, app, field):
    """Note B reaches the server and is acknowledged: it left the outbox, into `acked`."""
    save_note(page, B)
    wait_for_server(page, app, field["study_id"], [BEFORE, B])
    settle(page)
    page.get_by_text("All notes sent").wait_for()
    assert B in [m["data"].get("text") for m in local(page, "acked")]


def b_is_back_and_c_reaches_phone_a(page, other, app, field):
    wait_for_server(page, app, field["study_id"], [BEFORE, B, C], timeout=30000)
    sync_now(page)
    expect(note_item(page, C)).to_be_visible()
    assert sorted(server_notes(app, field["study_id"])) == sorted([BEFORE, B, C])  # each once
    assert local(page, "attention") == [] and local(other, "attention") == []
    page.get_by_text("All notes sent").wait_for()


def test_after_flask_restore_the_phone_sends_b_again_and_hears_of_later_notes(
        page, context, new_context, live_server, app, field, colleague, tmp_path):
    open_capture(page, live_server, field)
    save_note(page, BEFORE)
    wait_for_server(page, app, field["study_id"], [BEFORE])
    settle(page)
    backup = run_command(app, "backup", str(tmp_path / "nightly"))  # while the app runs
    assert backup.exit_code == 0, backup.output
    phone_sends_b_after_the_backup(page, app, field)

    context.set_offline(True)  # phone A is out in the field meanwhile
    live_server.stop()
    restore = run_command(app, "restore", str(tmp_path / "nightly"), "--yes")
    assert restore.exit_code == 0, restore.output
    assert list(server_notes(app, field["study_id"])) == [BEFORE]
    live_server.start()  # the same port: the same phone finds the server again

    context.set_offline(False)
    wait_for_server(page, app, field["study_id"], [BEFORE, B], timeout=30000)
    other = new_context().new_page()
    open_capture(other, live_server, colleague)
    save_note(other, C)
    b_is_back_and_c_reaches_phone_a(page, other, app, field)


def test_after_a_restore_by_hand_the_phone_is_told_to_reset_and_loses_nothing(
        page, context, new_context, live_server, app, field, colleague, tmp_path):
    open_capture(page, live_server, field)
    save_note(page, BEFORE)
    wait_for_server(page, app, field["study_id"], [BEFORE])
    settle(page)
    by_hand_backup(app, tmp_path / "by-hand.backup")  # sqlite3 .backup or pg_dump, app running
    phone_sends_b_after_the_backup(page, app, field)

    context.set_offline(True)
    live_server.stop()
    by_hand_restore(app, tmp_path / "by-hand.backup")  # nothing tells the database it went back
    live_server.start()
    assert list(server_notes(app, field["study_id"])) == [BEFORE]

    # The other phone sends first, so C takes the change number B had: phone A's cursor alone
    # would not show that the server went back.
    other = new_context().new_page()
    open_capture(other, live_server, colleague)
    save_note(other, C)
    wait_for_server(other, app, field["study_id"], [BEFORE, C])

    context.set_offline(False)
    b_is_back_and_c_reaches_phone_a(page, other, app, field)


def test_a_phone_whose_pull_failed_after_its_push_still_finds_out_and_sends_again(
        page, context, new_context, live_server, app, field, colleague, tmp_path):
    open_capture(page, live_server, field)
    save_note(page, BEFORE)
    wait_for_server(page, app, field["study_id"], [BEFORE])
    settle(page)
    by_hand_backup(app, tmp_path / "by-hand.backup")
    context.route("**/api/sync/pull*", lambda route: route.abort())  # B is pushed, then no pull gets through
    save_note(page, B)
    [b] = wait_for_server(page, app, field["study_id"], [BEFORE, B])[B]
    settle(page)
    seen = page.evaluate("async (study) => (await import('/static/js/db.js')).getMeta(`seen:${study}`)",
                         field["study_id"])
    assert seen == {"id": b["id"], "seq": b["seq"]}  # what the push answer said

    context.set_offline(True)
    live_server.stop()
    by_hand_restore(app, tmp_path / "by-hand.backup")
    live_server.start()
    other = new_context().new_page()
    open_capture(other, live_server, colleague)
    save_note(other, C)
    wait_for_server(other, app, field["study_id"], [BEFORE, C])

    context.unroute("**/api/sync/pull*")
    context.set_offline(False)
    b_is_back_and_c_reaches_phone_a(page, other, app, field)


def test_the_phone_forgets_what_was_acknowledged_longer_ago_than_the_server_says(page, live_server, app, field):
    app.config["ACK_RETENTION_DAYS"] = 10
    open_capture(page, live_server, field)  # the study context names the window
    for text in ("Acknowledged eleven days ago", "Acknowledged nine days ago"):
        save_note(page, text)
    wait_for_server(page, app, field["study_id"], ["Acknowledged eleven days ago", "Acknowledged nine days ago"])
    settle(page)
    page.evaluate("""async () => {  // time passes
        const { request, tx } = await import('/static/js/db.js');
        const day = 24 * 60 * 60 * 1000;
        await tx(['acked'], 'readwrite', async ({ acked }) => {
          for (const m of await request(acked.getAll())) {
            const days = m.data.text.includes('eleven') ? 11 : 9;
            acked.put({ ...m, acked_at: new Date(Date.now() - days * day).toISOString() });
          }
        });
    }""")
    save_note(page, "Acknowledged today")
    wait_for_server(page, app, field["study_id"], ["Acknowledged today"])
    settle(page)
    kept = sorted(m["data"]["text"] for m in local(page, "acked"))
    assert kept == ["Acknowledged nine days ago", "Acknowledged today"]
