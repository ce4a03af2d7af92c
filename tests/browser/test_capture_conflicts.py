"""Concurrent edits, deletes on the server, a restored server and colliding ids: one wins,
nothing is silently lost, and the phone shows what needs attention."""
import uuid

from playwright.sync_api import expect

from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.sync.push import push_batch
from tests.browser.capture_support import (
    field, local, open_capture, revisions, save_note, server_notes, settle, wait_for_server)
from tests.browser.conftest import assert_accessible
from tests.factories import note_mutation

__all__ = ["field"]


def server_push(app, field, mutations):
    """Another device of the same researcher writes to the server directly."""
    with app.app_context():
        user = db.session.get(User, field["user_id"])
        results = push_batch(user, uuid.uuid4(), mutations)
        db.session.remove()
    return results


def note_item(page, text):
    return page.locator(".note", has_text=text)


def edit(page, old, new):
    page.get_by_role("button", name=f"Edit note: {old}"[:50]).click()
    expect(page.get_by_label("Note", exact=True)).to_have_value(old)  # the note is in the form
    page.get_by_label("Note", exact=True).fill(new)
    page.get_by_role("button", name="Save changes").click()
    page.get_by_text("Saved on this phone.").wait_for()


def sync_now(page):
    page.get_by_role("button", name="Sync now").click()
    settle(page)


def test_two_phones_edit_the_same_note_offline_one_wins_the_other_is_kept(
        page, context, new_context, live_server, app, field):
    open_capture(page, live_server, field)
    save_note(page, "Keeps the manual in a drawer")
    [note] = wait_for_server(page, app, field["study_id"], ["Keeps the manual in a drawer"])[
        "Keeps the manual in a drawer"]
    other = new_context().new_page()
    open_capture(other, live_server, field)
    expect(note_item(other, "Keeps the manual in a drawer")).to_be_visible()

    context.set_offline(True)
    other.context.set_offline(True)
    edit(page, "Keeps the manual in a drawer", "Keeps the printed manual in a locked drawer")
    edit(other, "Keeps the manual in a drawer", "Has never opened the manual")
    context.set_offline(False)
    page.get_by_text("All notes sent").wait_for()
    other.context.set_offline(False)
    other.bring_to_front()

    warning = note_item(other, "Keeps the printed manual in a locked drawer").locator(".note-state")
    expect(warning).to_contain_text("Needs attention")
    expect(warning).to_contain_text("kept on the server as a revision")
    held = server_notes(app, field["study_id"])
    assert list(held) == ["Keeps the printed manual in a locked drawer"]
    assert held["Keeps the printed manual in a locked drawer"][0]["version"] == 2
    kept = [data["text"] for kind, data in revisions(app, note["id"]) if kind == "conflict"]
    assert kept == ["Has never opened the manual"]
    assert [a["status"] for a in local(other, "attention")] == ["conflict"]
    assert_accessible(other)  # the warning is readable by everyone
    assert local(other, "outbox") == []


def test_a_note_deleted_on_the_server_disappears_and_an_offline_edit_of_it_is_a_conflict(
        page, context, live_server, app, field):
    open_capture(page, live_server, field)
    for text in ("Stays put", "Deleted elsewhere", "Edited here, deleted elsewhere"):
        save_note(page, text)
    held = wait_for_server(page, app, field["study_id"], ["Stays put", "Deleted elsewhere",
                                                         "Edited here, deleted elsewhere"])
    context.set_offline(True)
    edit(page, "Edited here, deleted elsewhere", "Edited here while offline")
    results = server_push(app, field, [
        note_mutation(field["study_id"], op="delete", entity_id=held[t][0]["id"], base_version=1)
        for t in ("Deleted elsewhere", "Edited here, deleted elsewhere")])
    assert [r["status"] for r in results] == ["applied", "applied"]

    context.set_offline(False)
    expect(note_item(page, "Deleted elsewhere")).to_have_count(0)
    warning = note_item(page, "Edited here while offline").locator(".note-state")
    expect(warning).to_contain_text("deleted on the server")
    expect(note_item(page, "Stays put")).to_be_visible()
    assert list(server_notes(app, field["study_id"])) == ["Stays put"]
    kept = revisions(app, held["Edited here, deleted elsewhere"][0]["id"])
    assert ("conflict", "Edited here while offline") in [(k, d.get("text")) for k, d in kept]


def test_after_a_restore_from_backup_the_phone_sends_everything_again(page, live_server, app, field):
    open_capture(page, live_server, field)
    texts = ["Before the backup", "After the backup, one", "After the backup, two"]
    save_note(page, texts[0])
    [first] = wait_for_server(page, app, field["study_id"], texts[:1])[texts[0]]
    save_note(page, texts[1])
    save_note(page, texts[2])
    wait_for_server(page, app, field["study_id"], texts)
    settle(page)

    response = app.test_client().post("/api/_test/restore", json={"keep_up_to_seq": first["seq"]})
    assert response.get_json()["deleted"] == 2
    assert list(server_notes(app, field["study_id"])) == texts[:1]

    sync_now(page)
    held = wait_for_server(page, app, field["study_id"], texts)
    assert sum(len(v) for v in held.values()) == 3
    page.get_by_text("All notes sent").wait_for()
    assert local(page, "attention") == []


def test_the_same_note_id_with_different_content_is_a_visible_conflict(page, context, live_server, app, field):
    open_capture(page, live_server, field)
    context.set_offline(True)
    note_id = str(uuid.uuid4())
    server_push(app, field, [note_mutation(field["study_id"], entity_id=note_id, text="Written on the laptop")])
    page.evaluate("""async ([id, study]) => {
        const { saveNote } = await import('/static/js/outbox.js');
        await saveNote({ id, study_id: study, kind: 'quote', text: 'Written on the phone', expected: null,
          touchpoint_id: null, role_id: null, participant_id: null, visit_id: null, tags: [] });
    }""", [note_id, field["study_id"]])
    context.set_offline(False)

    warning = note_item(page, "Written on the laptop").locator(".note-state")
    expect(warning).to_contain_text("Needs attention")
    assert list(server_notes(app, field["study_id"])) == ["Written on the laptop"]
    kept = [d["text"] for k, d in revisions(app, note_id) if k == "conflict"]
    assert kept == ["Written on the phone"]


def test_a_pull_does_not_overwrite_an_edit_still_waiting_on_the_phone(page, context, live_server, app, field):
    open_capture(page, live_server, field)
    save_note(page, "Orders paper forms in bulk")
    [note] = wait_for_server(page, app, field["study_id"], ["Orders paper forms in bulk"])[
        "Orders paper forms in bulk"]
    settle(page)
    context.route("**/api/sync/push", lambda route: route.abort())  # tab and worker: the edit waits
    edit(page, "Orders paper forms in bulk", "Orders paper forms in bulk, twice a year")
    results = server_push(app, field, [note_mutation(
        field["study_id"], op="update", entity_id=note["id"], base_version=1, text="Orders forms online now")])
    assert [r["status"] for r in results] == ["applied"]

    page.evaluate("async (study) => (await import('/static/js/pull.js')).pull(study)", field["study_id"])
    [record] = local(page, "records")
    assert record["text"] == "Orders paper forms in bulk, twice a year"  # the local edit stands
    cursor = page.evaluate("""async (study) => (await import('/static/js/db.js')).getMeta(`cursor:${study}`)""",
                           field["study_id"])
    assert cursor.endswith(f":{server_seq(app, note['id'])}")  # the change was seen, not skipped

    context.unroute("**/api/sync/push")
    sync_now(page)
    expect(note_item(page, "Orders forms online now").locator(".note-state")).to_contain_text("Needs attention")
    kept = [d["text"] for k, d in revisions(app, note["id"]) if k == "conflict"]
    assert kept == ["Orders paper forms in bulk, twice a year"]


def server_seq(app, note_id):
    with app.app_context():
        seq = db.session.get(Observation, uuid.UUID(note_id)).seq
        db.session.remove()
    return seq
