"""Shared steps for the capture (PWA) browser tests: a study in the field, the phone's own store
read through the page, and the server's notes read from the database."""
import re
import uuid

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation, Revision
from tests.browser.conftest import sign_in
from tests.factories import PASSWORD, make_participant, make_study, make_user, make_visit

# Read one IndexedDB store of the page's origin (the phone's own copy).
READ_STORE = """async (name) => {
  const db = await new Promise((ok, no) => { const r = indexedDB.open('fieldnotes');
    r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
  const rows = await new Promise((ok, no) => { const r = db.transaction(name).objectStore(name).getAll();
    r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
  db.close();
  return rows.map(row => { const copy = {...row}; delete copy.blob; return copy; });
}"""


@pytest.fixture
def field(app):
    """A researcher in a study with a visit and two participants: what the phone needs."""
    with app.app_context():
        researcher = make_user("rosa@example.org", name="Rosa Lindqvist")
        study = make_study(researcher=[researcher])
        visit = make_visit(study)
        end_user = next(r for r in study.roles if r.name.lower() == "end user")
        make_participant(study, visits=[visit], pseudonym="P1", role_id=end_user.id)
        make_participant(study, visits=[visit], pseudonym="P2")
        return {"study_id": study.id, "visit_id": visit.id, "email": researcher.email,
                "user_id": researcher.id, "end_user_role": end_user.name,
                "touchpoints": [t.name for t in study.touchpoints]}


def capture_url(live_server, field):
    return f"{live_server.url}/studies/{field['study_id']}/capture"


def open_capture(page, live_server, field, signed_in=False):
    """Sign in, open the capture screen, wait until the worker controls it and the study is loaded."""
    if not signed_in:
        sign_in(page, live_server, field["email"], PASSWORD)
    page.goto(capture_url(live_server, field))
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    page.get_by_role("radio", name=field["touchpoints"][0], exact=True, include_hidden=True).wait_for(state="attached")
    page.wait_for_function("async () => !!(await caches.match(location.pathname))")
    ready(page)
    settle(page)


def ready(page):
    """Wait until the form has set itself up. It opens or folds the context once it has read the
    phone's last choices, and only then enables Save: a tap on the summary before that could fold
    what the form is about to open."""
    expect(page.get_by_role("button", name="Save note")).to_be_enabled()


def settle(page):
    """Wait until no flush is running in this page (the badge stops saying 'Sending')."""
    page.wait_for_function("() => !document.querySelector('[data-badge-net]').textContent.includes('Sending')")


def choose(page, name, group=None):
    """Tap the chip called exactly `name` (in the fieldset whose legend is `group`, if given)."""
    scope = page.locator("fieldset", has=page.locator("legend", has_text=group)) if group else page
    chip = scope.locator("label.chip-label").filter(has_text=re.compile(f"^{re.escape(name)}$"))
    ready(page)
    if chip.locator("xpath=ancestor::details[not(@open)]").count():
        page.locator("[data-context] > summary").click()  # the context is folded under the note box
    chip.click()


def save_note(page, text, touchpoint=None, kind=None):
    if kind:
        choose(page, kind)
    if touchpoint:
        choose(page, touchpoint, "Touchpoint")
    page.get_by_label("Note", exact=True).fill(text)
    page.get_by_role("button", name="Save note").click()
    page.get_by_text("Saved on this phone.").wait_for()


def local(page, store):
    return page.evaluate(READ_STORE, store)


def unsent_badge(page):
    return page.locator("[data-badge-count]")


def server_notes(app, study_id=None, deleted=False):
    """{text: [notes]} as the database holds them (read from Python, not through the page)."""
    with app.app_context():
        query = select(Observation)
        if study_id:
            query = query.where(Observation.study_id == study_id)
        if not deleted:
            query = query.where(Observation.deleted_at.is_(None))
        notes = db.session.scalars(query).all()
        texts = {}
        for note in notes:
            texts.setdefault(note.text, []).append(
                {"id": str(note.id), "version": note.version, "kind": str(note.kind), "seq": note.seq})
        db.session.remove()
        return texts


def revisions(app, note_id):
    with app.app_context():
        rows = db.session.scalars(select(Revision).where(
            Revision.observation_id == uuid.UUID(note_id)).order_by(Revision.id)).all()
        result = [(str(r.kind), r.data) for r in rows]
        db.session.remove()
        return result


def wait_for_server(page, app, study_id, texts, timeout=20000):
    """Poll the database until every text is there (once each) or time runs out."""
    deadline = page.evaluate("() => Date.now()") + timeout
    while True:
        held = server_notes(app, study_id)
        if all(len(held.get(t, [])) == 1 for t in texts):
            return held
        assert page.evaluate("() => Date.now()") < deadline, f"server holds {held}, wanted {texts}"
        page.wait_for_timeout(250)
