"""A shared phone (issue 9, item 4): each account's notes are sent only by that account, signing out
with notes not sent asks first, and notes saved before the phone knew accounts are sent only by
whoever says they made them."""
import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Study
from tests.browser.capture_support import (
    capture_url, field, local, open_capture, save_note, server_notes, settle, unsent_badge, wait_for_server)
from tests.browser.conftest import assert_accessible, sign_in
from tests.browser.ui_checks import assert_tap_targets
from tests.factories import PASSWORD, add_member, make_user

__all__ = ["field"]

# An IndexedDB as a phone left it before notes had an account (schema 1): one note not sent.
SCHEMA_ONE_PHONE = """async ([study, noteId]) => {
  const db = await new Promise((ok, no) => {
    const r = indexedDB.open('fieldnotes', 1);
    r.onupgradeneeded = () => {
      const d = r.result;
      d.createObjectStore('records', { keyPath: 'id' }).createIndex('study', 'study_id');
      const outbox = d.createObjectStore('outbox', { keyPath: 'n', autoIncrement: true });
      outbox.createIndex('entity', 'entity_id');
      outbox.createIndex('mutation', 'mutation_id', { unique: true });
      d.createObjectStore('blobs', { keyPath: 'id' }).createIndex('note', 'note_id');
      d.createObjectStore('attention', { keyPath: 'mutation_id' }).createIndex('entity', 'entity_id');
      d.createObjectStore('meta', { keyPath: 'key' });
    };
    r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error);
  });
  const data = { study_id: study, kind: 'observation', text: 'Written before the update', expected: null,
    touchpoint_id: null, role_id: null, participant_id: null, visit_id: null, tags: [],
    captured_at: '2026-03-12T10:00:00.000Z', media: [] };
  const t = db.transaction(['records', 'outbox', 'meta'], 'readwrite');
  t.objectStore('records').put({ ...data, id: noteId, version: null });
  t.objectStore('outbox').add({ mutation_id: crypto.randomUUID(), entity: 'observation', entity_id: noteId,
    op: 'create', base_version: null, base_pending: false, data, sent: false, client_time: data.captured_at });
  t.objectStore('meta').put({ key: 'device_id', value: crypto.randomUUID() });
  await new Promise((ok) => { t.oncomplete = ok; });
  db.close();
}"""


@pytest.fixture
def colleague(app, field):
    """Bo researches the same study, on the same phone as Rosa."""
    with app.app_context():
        bo = make_user("bo@example.org", name="Bo Okafor")
        add_member(db.session.get(Study, field["study_id"]), bo, "researcher")
        return {"email": bo.email, "user_id": bo.id}


def authors(app, study_id):
    """{text: author's email} of the notes on the server."""
    with app.app_context():
        rows = db.session.execute(select(Observation.text, User.email).join(User, Observation.author_id == User.id)
                                  .where(Observation.study_id == study_id)).all()
        db.session.remove()
    return dict(rows)


def pushed_mutations(context):
    """Every mutation id the phone (tabs and worker) sends from now on."""
    sent = []
    context.on("request", lambda r: sent.extend(m["mutation_id"] for m in r.post_data_json["mutations"])
               if r.url.endswith("/api/sync/push") else None)
    return sent


def sign_out(page):
    page.get_by_role("button", name="Sign out").click()


def test_the_next_person_on_a_shared_phone_never_sends_the_first_persons_notes(
        page, context, live_server, app, field, colleague):
    open_capture(page, live_server, field)
    context.route("**/api/sync/push", lambda route: route.abort())  # Rosa's notes stay on the phone
    save_note(page, "Rosa: keeps the delivery notes in a shoebox")
    save_note(page, "Rosa: signs for parcels with a colleague's name")
    rosas = [m["mutation_id"] for m in local(page, "outbox")]

    sign_out(page)
    dialog = page.get_by_role("dialog", name="Sign out of this phone")
    expect(dialog).to_contain_text("2 not sent")
    assert_accessible(page)
    assert_tap_targets(page)
    dialog.get_by_role("button", name="Keep them for me on this phone, and sign out").click()
    page.wait_for_url("**/login")
    context.unroute("**/api/sync/push")

    sent = pushed_mutations(context)
    sign_in(page, live_server, colleague["email"], PASSWORD)
    open_capture(page, live_server, field, signed_in=True)
    expect(unsent_badge(page)).to_have_text("All notes sent")
    expect(page.get_by_text("2 notes made by another account wait on this phone")).to_be_visible()
    expect(page.locator(".note", has_text="Rosa:")).to_have_count(0)  # not Bo's to see or edit
    save_note(page, "Bo: prints the picking list twice")
    wait_for_server(page, app, field["study_id"], ["Bo: prints the picking list twice"])
    settle(page)
    assert not set(rosas) & set(sent)
    assert authors(app, field["study_id"]) == {"Bo: prints the picking list twice": "bo@example.org"}

    sign_out(page)  # nothing of Bo's waits: no question
    page.wait_for_url("**/login")
    sign_in(page, live_server, field["email"], PASSWORD)
    page.goto(capture_url(live_server, field))
    wait_for_server(page, app, field["study_id"], ["Rosa: keeps the delivery notes in a shoebox",
                                                  "Rosa: signs for parcels with a colleague's name"])
    assert authors(app, field["study_id"]) == {
        "Bo: prints the picking list twice": "bo@example.org",
        "Rosa: keeps the delivery notes in a shoebox": "rosa@example.org",
        "Rosa: signs for parcels with a colleague's name": "rosa@example.org"}
    page.get_by_text("All notes sent").wait_for()


def test_send_now_sends_the_notes_then_signs_out(page, context, live_server, app, field):
    open_capture(page, live_server, field)
    context.route("**/api/sync/push", lambda route: route.abort())
    save_note(page, "Retypes the order into the warehouse system")

    sign_out(page)
    send_now = page.get_by_role("dialog").get_by_role("button", name="Send now, then sign out")
    send_now.wait_for()
    # The network comes back only once the dialog is up: a retry in between would leave nothing to ask about.
    context.unroute("**/api/sync/push")
    send_now.click()
    page.wait_for_url("**/login")
    assert list(server_notes(app, field["study_id"])) == ["Retypes the order into the warehouse system"]
    expect(page.get_by_text("You are signed out.")).to_be_visible()


def test_a_screen_left_open_for_one_account_sends_nothing_once_another_is_signed_in(
        context, live_server, app, field, colleague):
    rosas_tab = context.new_page()
    open_capture(rosas_tab, live_server, field)
    context.route("**/api/sync/push", lambda route: route.abort())
    save_note(rosas_tab, "Rosa: the scanner only works on the second try")

    # Meanwhile, in another tab of the same phone, the session changes hands.
    other_tab = context.new_page()
    assert context.request.post(f"{live_server.url}/logout").ok
    sign_in(other_tab, live_server, colleague["email"], PASSWORD)
    context.unroute("**/api/sync/push")

    rosas_tab.bring_to_front()
    rosas_tab.get_by_role("button", name="Sync now").click()
    expect(rosas_tab.locator("[data-badge-net]")).to_contain_text("Another account is signed in now")
    expect(unsent_badge(rosas_tab)).to_have_text("1 not sent")
    assert server_notes(app, field["study_id"]) == {}


def test_notes_saved_before_accounts_are_sent_only_by_who_says_they_made_them(
        page, live_server, app, field, colleague):
    sign_in(page, live_server, colleague["email"], PASSWORD)
    page.goto(f"{live_server.url}/offline")
    page.evaluate(SCHEMA_ONE_PHONE, [field["study_id"], "0b6f3c1e-5a2d-4c8b-9e7f-1a2b3c4d5e6f"])

    page.goto(capture_url(live_server, field))
    question = page.get_by_role("region", name="Notes made before accounts")
    expect(question).to_contain_text("1 note was saved on this phone before its notes belonged to an account")
    expect(question).to_contain_text("Did you, Bo Okafor?")
    expect(question).to_contain_text("Written before the update")
    assert_accessible(page)
    question.get_by_role("button", name="Not mine: keep them for export").click()
    expect(question).to_be_hidden()
    page.get_by_role("button", name="Sync now").click()
    settle(page)
    assert server_notes(app, field["study_id"]) == {}

    sign_out(page)
    page.wait_for_url("**/login")
    sign_in(page, live_server, field["email"], PASSWORD)
    page.goto(capture_url(live_server, field))
    expect(question).to_contain_text("Did you, Rosa Lindqvist?")  # asked again: Bo's "no" was Bo's
    question.get_by_role("button", name="Yes, I made them: send them").click()
    wait_for_server(page, app, field["study_id"], ["Written before the update"])
    assert authors(app, field["study_id"]) == {"Written before the update": "rosa@example.org"}
    expect(page.locator(".note", has_text="Written before the update")).to_contain_text(re.compile("Sent"))


# The capture page as a phone kept it before this update: no account named, none of the new parts.
AN_OLDER_KEPT_PAGE = """async () => {
  const cache = await caches.open('fieldnotes-pages');
  const html = await (await cache.match(location.pathname)).text();
  const doc = new DOMParser().parseFromString(html, 'text/html');
  doc.querySelector('[data-js="capture-app"]').removeAttribute('data-account');
  for (const selector of ['[data-badge-attention]', '[data-badge-others]', '[data-js="waiting-panel"]',
      '[data-js="legacy"]', '[data-js="sign-out"]', '[data-consent]', '[data-consent-warning]']) {
    doc.querySelector(selector).remove();
  }
  doc.querySelector('#no-person').closest('.field').remove();
  await cache.put(location.pathname, new Response('<!doctype html>' + doc.documentElement.outerHTML,
    { headers: { 'Content-Type': 'text/html' } }));
  const db = await new Promise((ok, no) => { const r = indexedDB.open('fieldnotes');
    r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
  const t = db.transaction('meta', 'readwrite');
  t.objectStore('meta').delete('account');  // the older screen never named one
  await new Promise((ok) => { t.oncomplete = ok; });
  db.close();
}"""


def test_a_capture_page_kept_from_before_this_update_still_saves_offline_as_its_account(
        page, context, live_server, app, field):
    open_capture(page, live_server, field)
    page.evaluate(AN_OLDER_KEPT_PAGE)
    context.set_offline(True)
    assert page.reload().from_service_worker
    page.get_by_role("radio", name=field["touchpoints"][0], exact=True, include_hidden=True).wait_for(state="attached")
    expect(page.locator('[data-js="capture-app"]')).not_to_have_attribute("data-account", re.compile(".*"))

    save_note(page, "Saved on a screen kept from the last version")
    assert [m["account"] for m in local(page, "outbox")] == [field["user_id"]]
    context.set_offline(False)
    wait_for_server(page, app, field["study_id"], ["Saved on a screen kept from the last version"])
    assert authors(app, field["study_id"]) == {"Saved on a screen kept from the last version": "rosa@example.org"}
