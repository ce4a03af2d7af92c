"""The notices the other engines need (issue 13), seen in Chromium with axe: what this browser cannot do
(here, Background Sync and Web Locks taken away as on Safari), and notes that have waited for days."""
from playwright.sync_api import expect

from tests.browser.capture_support import field, open_capture, save_note
from tests.browser.conftest import assert_accessible

__all__ = ["field"]

AS_ON_SAFARI = "delete window.SyncManager; Object.defineProperty(navigator, 'locks', { value: undefined });"
BACKDATE = """async () => {
  const db = await new Promise(ok => { const r = indexedDB.open('fieldnotes'); r.onsuccess = () => ok(r.result); });
  const t = db.transaction('outbox', 'readwrite');
  const store = t.objectStore('outbox');
  store.getAll().onsuccess = (e) => { for (const m of e.target.result) {
    store.put({ ...m, client_time: new Date(Date.now() - 4 * 86400000).toISOString() }); } };
  await new Promise(ok => { t.oncomplete = ok; }); db.close(); }"""


def test_the_engine_notices_are_plain_and_accessible(page, context, live_server, app, field):
    page.add_init_script(AS_ON_SAFARI)
    open_capture(page, live_server, field)
    notice = page.get_by_role("region", name="What this browser cannot do")
    expect(notice).to_contain_text("Notes are sent only while Fieldnotes is open")
    expect(notice).to_contain_text("Keep Fieldnotes open in one tab only while it sends.")

    context.set_offline(True)
    save_note(page, "Writes the tracking number on her hand")
    page.evaluate(BACKDATE)
    page.reload()
    warning = page.get_by_role("alert").filter(has_text="Notes have waited on this phone for 4 days")
    expect(warning).to_be_visible()
    expect(warning.get_by_role("button", name="Export a copy now")).to_be_visible()
    box = warning.get_by_role("button", name="Export a copy now").bounding_box()
    assert box["height"] >= 44  # a phone's tap target
    assert_accessible(page)
