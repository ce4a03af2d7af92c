"""A photo whose upload is cut off halfway resumes where it stopped and is verified against the phone's hash."""
import hashlib
import io
import os
import struct
import zlib

from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Attachment
from fieldnotes.observations.storage import served_path, stored_path
from tests.browser.capture_support import field, local, open_capture, save_note, wait_for_server
from tests.browser.conftest import PHONE

__all__ = ["field"]
MB = 1024 * 1024


def noisy_png(width=900, height=900):
    """A real PNG of random pixels (so it does not compress): about 2.4 MB, three upload chunks."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    rows = b"".join(b"\x00" + os.urandom(width * 3) for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(rows, 1)) + chunk(b"IEND", b""))


def attachment(app):
    with app.app_context():
        found = db.session.scalars(select(Attachment)).all()
        result = [(str(a.status), a.sha256, a.size, a.offset) for a in found]
        db.session.remove()
        return result


def test_a_photo_upload_cut_off_halfway_resumes_and_the_file_matches(page, context, live_server, app, field):
    photo = noisy_png()
    digest = hashlib.sha256(photo).hexdigest()
    assert len(photo) > 2 * MB
    open_capture(page, live_server, field)

    offsets, cut = [], []
    def cut_the_second_chunk(route):
        if route.request.method == "PATCH":
            offsets.append(int(route.request.headers["upload-offset"]))
            if len(offsets) == 2 and not cut:
                cut.append(offsets[-1])
                return route.abort("connectionreset")
        return route.continue_()
    context.route("**/api/media/*", cut_the_second_chunk)  # the worker uploads too

    page.get_by_label("Photo").set_input_files(
        files=[{"name": "whiteboard.png", "mimeType": "image/png", "buffer": photo}])
    save_note(page, "The shift rota lives on the whiteboard", kind="Artifact")
    wait_for_server(page, app, field["study_id"], ["The shift rota lives on the whiteboard"])

    expect(page.locator(".note .note-state")).to_have_text("Sent", timeout=30000)
    assert cut == [MB]
    assert offsets[:3] == [0, MB, MB]  # after the cut it resumed at the server's offset, not from 0
    # Two promises. The phone's: every byte it sent arrived, checked against the SHA-256 it declared
    # ("verified" frees its copy). The server's: what it keeps and shows is that photo without metadata
    # (EXIF location), never larger, with the same pixels; this PNG has none to strip, so it is kept as sent.
    assert attachment(app) == [("verified", digest, len(photo), len(photo))]
    with app.app_context():
        row = db.session.scalars(select(Attachment)).one()
        kept = served_path(row).read_bytes()
        assert hashlib.sha256(kept).hexdigest() == row.stored_sha256 and row.stored_size == len(kept) <= len(photo)
        db.session.remove()
    with Image.open(io.BytesIO(kept)) as stored, Image.open(io.BytesIO(photo)) as sent:
        assert (stored.format, stored.size) == ("PNG", (900, 900)) and stored.tobytes() == sent.tobytes()
    assert local(page, "blobs") == []  # freed only once verified


def test_an_audio_recording_is_saved_with_its_note_and_uploaded(
        playwright, browser_type_launch_args, live_server, app, field):
    # A fake microphone, so MediaRecorder really records in headless Chromium.
    args = browser_type_launch_args["args"] + ["--use-fake-device-for-media-stream",
                                               "--use-fake-ui-for-media-stream"]
    browser = playwright.chromium.launch(**{**browser_type_launch_args, "args": args})
    try:
        context = browser.new_context(**PHONE, permissions=["microphone"])
        page = context.new_page()
        open_capture(page, live_server, field)
        page.get_by_role("button", name="Record audio").click()
        page.get_by_text("Recording…").wait_for()
        page.wait_for_timeout(1200)
        page.get_by_role("button", name="Stop recording").click()
        page.get_by_text("Recording kept").wait_for()
        save_note(page, "Explains the month-end routine out loud", kind="Quote")
        wait_for_server(page, app, field["study_id"], ["Explains the month-end routine out loud"])
        expect(page.locator(".note .note-state")).to_have_text("Sent", timeout=20000)
        [(status, digest, size, offset)] = attachment(app)
        assert status == "verified" and size == offset > 0
        with app.app_context():
            assert stored_path(digest).read_bytes()[:4] == b"\x1a\x45\xdf\xa3"  # a WebM recording
    finally:
        browser.close()
