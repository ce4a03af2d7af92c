"""Faults on Firefox and WebKit: a batch the server refuses stays queued and the phone says why; a photo
upload cut off partway resumes from the server's offset and the file arrives whole."""
import hashlib

from tests.browser.capture_support import field, server_notes
from tests.browser.test_capture_media import MB, attachment, noisy_png
from tests.engines.steps import (
    attach_photo, local, open_capture, save_note, wait, wait_for_server, wait_for_text)

__all__ = ["field"]


def test_a_refused_batch_stays_queued_and_the_phone_says_why(phone, live_server, wire, app, field):
    open_capture(phone, live_server, field)
    wire.refuse_pushes = 1
    save_note(phone, "Reads the order number aloud to a colleague")
    wait_for_text(phone, "[data-badge-net]", "The server refused to take notes (422)")
    assert "not reachable" not in phone.call("() => document.querySelector('[data-badge-net]').textContent")
    assert [m["data"]["text"] for m in local(phone, "outbox")] == ["Reads the order number aloud to a colleague"]
    assert server_notes(app, field["study_id"]) == {}

    phone.call("() => document.querySelector('[data-sync-now]').click()")
    held = wait_for_server(phone, app, field["study_id"], ["Reads the order number aloud to a colleague"])
    assert len(held["Reads the order number aloud to a colleague"]) == 1
    wait(phone, "async () => document.querySelector('[data-badge-count]').textContent.includes('All notes sent')",
         what="All notes sent")


def test_a_photo_upload_cut_off_partway_resumes_and_the_file_matches(phone, live_server, wire, app, field):
    photo = noisy_png()
    digest = hashlib.sha256(photo).hexdigest()
    open_capture(phone, live_server, field)
    wire.cut_chunk_at = MB  # the second 1 MB chunk: half of it arrives, then the connection drops

    attach_photo(phone, photo, "whiteboard.png")
    save_note(phone, "The shift rota lives on the whiteboard", kind="Artifact")
    wait_for_server(phone, app, field["study_id"], ["The shift rota lives on the whiteboard"])
    wait(phone, "() => document.querySelector('.note .note-state')?.textContent === 'Sent'", timeout=60,
         what="the note and its photo to be sent")

    assert wire.cut == [MB]
    assert wire.chunks[:3] == [0, MB, MB]  # resumed at the server's offset, not from 0
    assert attachment(app) == [("verified", digest, len(photo), len(photo))]
    assert local(phone, "blobs") == []  # the phone's copy is freed only once the server verified it
