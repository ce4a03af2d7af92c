"""Keeping notes safe on Firefox and WebKit: the export of what is not sent (offline, photo without its
location), the warning when notes have waited for days, what the browser cannot do said plainly, and
what makes the app installable (manifest, icons, worker, offline start)."""
import base64
import json

from tests.browser.capture_support import capture_url, field
from tests.browser.test_capture_media import noisy_png
from tests.engines.steps import attach_photo, local, open_capture, ready, save_note, wait, wait_for_text

__all__ = ["field"]

# Catch the file the page hands to the browser's download (the same Blob a person would save).
CATCH_DOWNLOAD = """() => {
  window.__downloads = [];
  const made = URL.createObjectURL.bind(URL);
  const blobs = new Map();
  URL.createObjectURL = (blob) => { const url = made(blob); blobs.set(url, blob); return url; };
  const click = HTMLElement.prototype.click;
  HTMLElement.prototype.click = function () {
    if (this instanceof HTMLAnchorElement && this.download && blobs.has(this.href)) {
      const name = this.download;
      return void blobs.get(this.href).text().then(text => window.__downloads.push({ name, text }));
    }
    return click.call(this);
  }; }"""


def exported(phone, button_selector):
    phone.call(CATCH_DOWNLOAD)
    phone.call("(s) => document.querySelector(s).click()", button_selector)
    return wait(phone, "() => window.__downloads.length && window.__downloads[0]", what="the export file")


def test_export_holds_the_unsent_notes_with_their_photos_offline(phone, live_server, app, field):
    open_capture(phone, live_server, field)
    live_server.stop()
    photo = noisy_png(40, 30)
    attach_photo(phone, photo, "till.png")
    save_note(phone, "Tapes the till receipt to the invoice", kind="Artifact")
    download = exported(phone, '[data-js="export"]')
    assert download["name"].startswith("fieldnotes-unsent-") and download["name"].endswith(".json")
    file = json.loads(download["text"])
    assert [n["text"] for n in file["notes"]] == ["Tapes the till receipt to the invoice"]
    assert [m["op"] for m in file["mutations"]] == ["create"]
    assert base64.b64decode(file["media"][0]["base64"]) == photo  # a PNG has no location to remove
    assert len(local(phone, "outbox")) == 1  # exporting is a copy: the note still waits to be sent


def test_notes_waiting_for_days_warn_and_offer_the_export(phone, live_server, app, field):
    open_capture(phone, live_server, field)
    live_server.stop()
    save_note(phone, "Keeps the spare key under the till")
    assert phone.call("() => document.querySelector('[data-js=\"long-wait\"]').hidden")
    # Five days pass with the note on the phone (its mutation says when it was made).
    phone.call("""async () => {
      const db = await new Promise(ok => { const r = indexedDB.open('fieldnotes'); r.onsuccess = () => ok(r.result); });
      const t = db.transaction('outbox', 'readwrite');
      const store = t.objectStore('outbox');
      store.getAll().onsuccess = (e) => { for (const m of e.target.result) {
        store.put({ ...m, client_time: new Date(Date.now() - 5 * 86400000).toISOString() }); } };
      await new Promise(ok => { t.oncomplete = ok; }); db.close(); }""")
    phone.reload()
    ready(phone, field)
    wait_for_text(phone, '[data-js="long-wait"]', "Notes have waited on this phone for 5 days")
    assert phone.call("() => !document.querySelector('[data-js=\"long-wait\"]').hidden")
    file = json.loads(exported(phone, "[data-long-wait-export]")["text"])
    assert [n["text"] for n in file["notes"]] == ["Keeps the spare key under the till"]


def test_what_this_browser_cannot_do_is_said_on_the_phone(phone, live_server, app, field):
    open_capture(phone, live_server, field)
    gaps = wait(phone, """() => { const box = document.querySelector('[data-js="capabilities"]');
        return !box.hidden && [...box.querySelectorAll('li')].map(li => [li.dataset.gap, li.textContent]); }""",
                what="the capability notice")
    named = dict(gaps)
    # Neither Firefox nor WebKit has Background Sync: notes leave only while the app is open.
    assert named["backgroundSync"].startswith("Notes are sent only while Fieldnotes is open")
    has_recorder = phone.call("() => 'MediaRecorder' in self && !!navigator.mediaDevices?.getUserMedia")
    assert ("recorder" in named) == (not has_recorder)
    assert phone.call("() => document.querySelector('[data-js=\"recorder\"]').hidden") == (not has_recorder)


def test_the_capture_app_is_installable(phone, live_server, app, field):
    open_capture(phone, live_server, field)
    report = phone.call("""async () => {
      const link = document.querySelector('link[rel=manifest]');
      const manifest = await (await fetch(link.href)).json();
      const sizes = {};
      for (const icon of manifest.icons) {
        const image = new Image();
        image.src = new URL(icon.src, link.href).href;
        await image.decode();
        sizes[icon.sizes + ' ' + icon.purpose] = `${image.naturalWidth}x${image.naturalHeight}`;
      }
      const touch = new Image();
      touch.src = document.querySelector('link[rel=apple-touch-icon]').href;
      await touch.decode();
      return { name: manifest.name, display: manifest.display, start: manifest.start_url, scope: manifest.scope,
               sizes, touch: touch.naturalWidth, controlled: !!navigator.serviceWorker.controller,
               scopeOk: (await navigator.serviceWorker.getRegistration()).scope };
    }""")
    assert report["name"] == "Fieldnotes" and report["display"] == "standalone"
    assert report["start"] == f"/studies/{field['study_id']}/capture"
    assert report["sizes"] == {"192x192 any": "192x192", "512x512 any": "512x512",
                               "192x192 maskable": "192x192", "512x512 maskable": "512x512"}
    assert report["touch"] >= 180  # Safari's home-screen icon
    assert report["controlled"] and report["scopeOk"] == f"{live_server.url}/"
    # The installed app starts with no network: its start page comes from the worker.
    live_server.stop()
    phone.goto(capture_url(live_server, field))
    ready(phone, field)
