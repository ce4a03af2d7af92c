"""The export of what is not sent (issue 9, item 7): photos leave the phone without where they were
taken, as the server stores them, and only the signed-in account's notes are in it."""
import base64
import io
import json
import os
from pathlib import Path

from PIL import ExifTags, Image
from playwright.sync_api import expect

from tests.browser.capture_support import field, local, open_capture, save_note

__all__ = ["field"]

XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
       b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="51,30.2N" '
       b'exif:GPSLongitude="0,7.6W"/></rdf:RDF></x:xmpmeta>')


def photo_taken_at_a_customer_site():
    """A phone's JPEG: turned on its side (orientation 6), with GPS in Exif and in XMP."""
    pixels = Image.frombytes("RGB", (96, 64), os.urandom(96 * 64 * 3))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Phone maker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps.update({1: "N", 2: (51.0, 30.0, 12.5), 3: "W", 4: (0.0, 7.0, 40.0)})
    out = io.BytesIO()
    pixels.save(out, "JPEG", quality=85, exif=exif, xmp=XMP)
    return out.getvalue()


ANOTHER_ACCOUNTS_NOTE = """async (study) => {
  const db = await new Promise((ok, no) => { const r = indexedDB.open('fieldnotes');
    r.onsuccess = () => ok(r.result); r.onerror = () => no(r.error); });
  const t = db.transaction('outbox', 'readwrite');
  t.objectStore('outbox').add({ mutation_id: crypto.randomUUID(), entity: 'observation',
    entity_id: crypto.randomUUID(), op: 'create', base_version: null, base_pending: false, sent: false,
    data: { study_id: study, text: "Someone else's unsent note" }, account: 987654 });
  await new Promise((ok) => { t.oncomplete = ok; });
  db.close();
}"""


def export(page):
    with page.expect_download() as download:
        page.get_by_role("button", name="Export what is not sent").click()
    return json.loads(Path(download.value.path()).read_text())


def test_the_export_holds_the_photo_without_its_location(page, context, live_server, app, field):
    original = photo_taken_at_a_customer_site()
    open_capture(page, live_server, field)
    page.evaluate(ANOTHER_ACCOUNTS_NOTE, field["study_id"])
    context.set_offline(True)
    page.get_by_label("Photo").set_input_files(
        files=[{"name": "site.jpg", "mimeType": "image/jpeg", "buffer": original}])
    save_note(page, "The loading bay has no signage", kind="Artifact")

    exported = export(page)
    assert [n["text"] for n in exported["notes"]] == ["The loading bay has no signage"]
    [media] = exported["media"]
    kept = base64.b64decode(media["base64"])
    assert b"GPSLatitude" not in kept and b"Phone maker" not in kept
    assert media["location_removed"] is True
    with Image.open(io.BytesIO(kept)) as clean, Image.open(io.BytesIO(original)) as taken:
        assert dict(clean.getexif().get_ifd(ExifTags.IFD.GPSInfo)) == {}
        assert clean.getexif().get(ExifTags.Base.Orientation) == 6  # still shown upright
        assert "xmp" not in clean.info
        assert clean.tobytes() == taken.tobytes()  # the same pixels: nothing re-encoded
    assert "Someone else's unsent note" not in json.dumps(exported)
    # The phone still holds the photo as taken, to send it (the server strips it on arrival).
    assert [b["sha256"] for b in local(page, "blobs")] == [media["sha256"]]
    expect(page.locator(".note .note-state")).to_have_text("Saved on this phone")
