"""A status that never lies (issue 9, item 5): "All notes sent" only when no note, photo or recording
waits and nothing was refused; the badge says what waits and opens those items; conflicts and
refusals are answered on the phone."""
import re
import uuid

import pytest
from playwright.sync_api import expect

from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.sync.push import push_batch
from tests.browser.capture_support import (
    field, local, open_capture, revisions, save_note, server_notes, settle, unsent_badge, wait_for_server)
from tests.browser.conftest import assert_accessible
from tests.browser.test_capture_media import noisy_png
from tests.browser.ui_checks import assert_tap_targets
from tests.factories import note_mutation

__all__ = ["field"]
MB = 1024 * 1024


ATTENTION_HELD = """async () => {
  const db = await new Promise((ok, no) => { const r = indexedDB.open('fieldnotes');
    r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
  const count = await new Promise((ok, no) => { const r = db.transaction('attention').objectStore('attention').count();
    r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
  db.close();
  return count === 1;
}"""


def attention_badge(page):
    return page.locator("[data-badge-attention]")


def open_badge(page):
    page.locator("[data-badge-open]").click()
    panel = page.get_by_role("region", name="Not sent yet, or needing attention")
    expect(panel).to_be_visible()
    return panel


def test_a_photo_still_uploading_is_counted_with_its_progress(page, context, live_server, app, field):
    photo = noisy_png()  # about 2.4 MB: three chunks
    open_capture(page, live_server, field)
    held = []

    def hold_the_second_chunk(route):
        if route.request.method == "PATCH" and route.request.headers["upload-offset"] == str(MB):
            held.append(route)  # answered when the test says so: a slow link, without timing
            return None
        return route.continue_()
    context.route("**/api/media/*", hold_the_second_chunk)

    page.get_by_label("Photo").set_input_files(
        files=[{"name": "rota.png", "mimeType": "image/png", "buffer": photo}])
    save_note(page, "The rota is a photo on the staff phone", kind="Artifact")
    wait_for_server(page, app, field["study_id"], ["The rota is a photo on the staff phone"])
    expect(unsent_badge(page)).to_have_text(re.compile(r"^1 photo (4[0-9])% not sent$"))  # 1 MB of 2.4 MB
    expect(page.get_by_text("All notes sent")).to_have_count(0)
    panel = open_badge(page)
    expect(panel.locator("li", has_text="The rota is a photo")).to_contain_text(re.compile(r"Sent · photo 4[0-9]%"))
    assert_accessible(page)
    assert_tap_targets(page)

    held[0].continue_()
    expect(unsent_badge(page)).to_have_text("All notes sent", timeout=30000)
    expect(panel).to_contain_text("Nothing: every note, photo and recording is sent.")
    assert local(page, "blobs") == []


def test_a_note_the_server_refused_needs_attention_until_it_is_dealt_with(page, live_server, app, field):
    open_capture(page, live_server, field)
    # A participant id of no one in this study: the server refuses the note and says why.
    page.evaluate("""async (study) => {
        const { saveNote } = await import('/static/js/outbox.js');
        await saveNote({ study_id: study, kind: 'observation', text: 'Names a participant from elsewhere',
          expected: null, touchpoint_id: null, role_id: null, participant_id: 999999, visit_id: null, tags: [] });
        (await import('/static/js/flush.js')).flush();
    }""", field["study_id"])
    page.wait_for_function(ATTENTION_HELD)  # the server's answer is on the phone
    page.reload()  # what the badge says from the phone's store alone
    expect(unsent_badge(page)).not_to_have_text("Checking this phone…")
    expect(unsent_badge(page)).not_to_have_text("All notes sent")
    expect(attention_badge(page)).to_have_text("1 needs attention")
    assert server_notes(app, field["study_id"]) == {}

    panel = open_badge(page)
    item = panel.locator("li", has_text="Names a participant from elsewhere")
    expect(item).to_contain_text("the server refused this (participant_id")
    assert_accessible(page)
    item.get_by_role("button", name="Discard").click()
    item.get_by_role("button", name="Yes, discard").click()
    expect(unsent_badge(page)).to_have_text("All notes sent")
    expect(attention_badge(page)).to_have_text("")
    assert local(page, "attention") == [] and local(page, "records") == []


def another_device_edits(app, field, note_id, text):
    with app.app_context():
        user = db.session.get(User, field["user_id"])
        [result] = push_batch(user, uuid.uuid4(), [note_mutation(
            field["study_id"], op="update", entity_id=note_id, base_version=1, text=text)])
        db.session.remove()
    assert result["status"] == "applied"


@pytest.mark.parametrize("answer", ["Keep mine", "Keep theirs", "Edit"])
def test_a_conflict_is_resolved_on_the_phone(page, context, live_server, app, field, answer):
    open_capture(page, live_server, field)
    save_note(page, "Checks the stock by hand")
    [note] = wait_for_server(page, app, field["study_id"], ["Checks the stock by hand"])["Checks the stock by hand"]
    settle(page)
    another_device_edits(app, field, note["id"], "Theirs: checks the stock with a scanner")
    context.route("**/api/sync/push", lambda route: route.abort())
    page.get_by_role("button", name="Edit note: Checks the stock by hand").click()
    # As a user does: wait until the note is in the box (the phone reads it from its store), then type.
    expect(page.get_by_label("Note", exact=True)).to_have_value("Checks the stock by hand")
    page.get_by_label("Note", exact=True).fill("Mine: checks the stock by hand, twice")
    page.get_by_role("button", name="Save changes").click()
    context.unroute("**/api/sync/push")
    page.get_by_role("button", name="Sync now").click()
    expect(attention_badge(page)).to_have_text("1 needs attention")

    item = open_badge(page).locator("li", has_text="checks the stock")
    expect(item).to_contain_text("someone changed this note at the same time")
    assert_accessible(page)
    item.get_by_role("button", name=answer).click()
    if answer == "Edit":
        expect(page.get_by_label("Note", exact=True)).to_have_value("Mine: checks the stock by hand, twice")
        page.get_by_label("Note", exact=True).fill("Both: checks by hand, then with the scanner")
        page.get_by_role("button", name="Save changes").click()

    wanted = {"Keep mine": ("Mine: checks the stock by hand, twice", 3),
              "Keep theirs": ("Theirs: checks the stock with a scanner", 2),
              "Edit": ("Both: checks by hand, then with the scanner", 3)}[answer]
    expect(unsent_badge(page)).to_have_text("All notes sent")
    settle(page)
    held = server_notes(app, field["study_id"])
    assert {text: [n["version"] for n in notes] for text, notes in held.items()} == {wanted[0]: [wanted[1]]}
    expect(page.locator(".note", has_text=wanted[0]).locator(".note-state")).to_have_text("Sent")
    assert local(page, "attention") == [] and local(page, "outbox") == []
    kept = [data["text"] for kind, data in revisions(app, note["id"]) if kind == "conflict"]
    assert kept == ["Mine: checks the stock by hand, twice"]  # the losing version stays on the server too
