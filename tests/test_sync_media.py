"""Media uploads: resumable, verified by SHA-256 and by content, served only to the study's members."""
import hashlib
import io
import os
import uuid
from pathlib import Path

import pytest
from PIL import Image

from fieldnotes.extensions import db
from fieldnotes.studies.models import Study
from tests.factories import add_member, make_user, note_mutation

DEVICE = "0f6c0a3e-9a4e-4c1e-8f0e-7d5b3c2a1e00"


def noisy(fmt="JPEG", size=(640, 480)):
    """A real photo-sized image (noise does not compress): stored photos are decoded and re-encoded."""
    buffer = io.BytesIO()
    Image.effect_noise(size, 80).convert("RGB").save(buffer, fmt)
    return buffer.getvalue()


JPEG = noisy()
PNG = noisy("PNG", (64, 48))


def ebml_header(doctype):
    """A Matroska/WebM file's EBML header, as Chrome's MediaRecorder writes it."""
    body = (b"\x42\x86\x81\x01\x42\xf7\x81\x01\x42\xf2\x81\x04\x42\xf3\x81\x08"
            + b"\x42\x82" + bytes([0x80 | len(doctype)]) + doctype + b"\x42\x87\x81\x04\x42\x85\x81\x02")
    return b"\x1a\x45\xdf\xa3" + bytes([0x80 | len(body)]) + body


# The first bytes of each kind of recording phones make, then noise (no decoder checks audio here).
WEBM = ebml_header(b"webm") + os.urandom(50_000)                                 # Chrome, Android
OGG = (b"OggS\x00\x02" + bytes(8) + b"\x01\x00\x00\x00" + bytes(8) + b"\x01\x13"
       + b"OpusHead\x01\x01\x38\x01\x80\xbb\x00\x00\x00\x00\x00" + os.urandom(20_000))  # Firefox
M4A = b"\x00\x00\x00\x1cftypM4A \x00\x00\x02\x00M4A isommp42" + os.urandom(20_000)  # Safari, iPhone
MP3 = b"ID3\x04\x00\x00\x00\x00\x00\x00\xff\xfb\x90\x64" + os.urandom(20_000)
MP3_FRAME = b"\xff\xfb\x90\x64" + os.urandom(20_000)                          # an MP3 with no ID3 tag
ADTS = b"\xff\xf1\x50\x80\x02\x1f\xfc" + os.urandom(20_000)                   # raw AAC


def declared(content, slot="photo", mime="image/jpeg", **changes):
    return {"id": str(uuid.uuid4()), "slot": slot, "sha256": hashlib.sha256(content).hexdigest(),
            "size": len(content), "mime": mime, **changes}


def push_note(client, study_id, *media):
    mutation = note_mutation(study_id, media=list(media))
    response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": [mutation]})
    assert response.json["results"][0]["status"] == "applied", response.json
    return mutation["entity_id"]


def patch(client, media_id, offset, chunk):
    return client.patch(f"/api/media/{media_id}", data=chunk, headers={
        "Upload-Offset": str(offset), "Content-Type": "application/offset+octet-stream"})


def test_an_upload_cut_off_halfway_resumes_and_is_verified(app, client, study_id, tmp_path):
    photo = declared(JPEG)
    note_id = push_note(client, study_id, photo)
    start = client.post("/api/media", json={**photo, "observation_id": note_id})
    assert start.status_code == 200 and start.json == {"id": photo["id"], "offset": 0, "status": "pending"}
    half = len(JPEG) // 2
    first = patch(client, photo["id"], 0, JPEG[:half])
    assert first.status_code == 204 and first.headers["Upload-Offset"] == str(half)
    # The phone lost the answer: it asks where to resume instead of guessing.
    assert client.head(f"/api/media/{photo['id']}").headers["Upload-Offset"] == str(half)
    stale = patch(client, photo["id"], 0, JPEG[:half])
    assert stale.status_code == 409 and stale.json["offset"] == half
    last = patch(client, photo["id"], half, JPEG[half:])
    assert last.status_code == 204 and last.headers["Upload-Status"] == "verified"
    assert not list((tmp_path / "media" / "partial").iterdir())
    # What is kept and shown is the photo re-encoded (without EXIF), not the phone's bytes.
    [stored] = [p for p in (tmp_path / "media").rglob("*") if p.is_file()]
    assert stored.name == hashlib.sha256(stored.read_bytes()).hexdigest() != photo["sha256"]
    with client.get(f"/media/{photo['id']}") as served:
        assert served.status_code == 200 and served.data == stored.read_bytes() and served.mimetype == "image/jpeg"
        assert served.headers["Cache-Control"] == "private, no-store"
        with Image.open(io.BytesIO(served.data)) as image:
            assert (image.format, image.size) == ("JPEG", (640, 480))
    assert client.get(f"/api/media/{photo['id']}").json["status"] == "verified"
    note = client.get(f"/api/studies/{study_id}/observations/{note_id}").json
    assert note["data"]["media"][0]["status"] == "verified"
    assert [r["kind"] for r in note["revisions"]] == ["edit"]


def test_pull_shows_media_pending_until_verified(app, client, study_id):
    recording = declared(WEBM, slot="audio", mime="audio/webm;codecs=opus")
    push_note(client, study_id, recording)
    cursor = client.get("/api/sync/pull", query_string={"study_id": study_id}).json["cursor"]
    assert patch(client, recording["id"], 0, WEBM).status_code == 204
    later = client.get("/api/sync/pull", query_string={"study_id": study_id, "cursor": cursor}).json
    assert later["changes"][0]["data"]["media"][0]["status"] == "verified"


def test_a_wrong_hash_is_422_and_the_upload_starts_again(app, client, study_id, tmp_path):
    photo = declared(JPEG, sha256=hashlib.sha256(b"something else").hexdigest())
    push_note(client, study_id, photo)
    response = patch(client, photo["id"], 0, JPEG)
    assert response.status_code == 422 and "SHA-256" in response.json["description"]
    status = client.get(f"/api/media/{photo['id']}")
    assert status.json["status"] == "pending" and status.headers["Upload-Offset"] == "0"
    assert not list(Path(tmp_path / "media").rglob(photo["sha256"]))
    assert client.get(f"/media/{photo['id']}").status_code == 404


@pytest.mark.parametrize("content, slot, mime", [
    (b"just some text, renamed to look like a photo.jpg\n" * 10, "photo", "image/jpeg"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>", "photo", "image/jpeg"),
    (JPEG, "audio", "audio/mpeg"),
])
def test_files_that_are_not_what_the_slot_takes_are_refused(app, client, study_id, content, slot, mime):
    item = declared(content, slot=slot, mime=mime)
    push_note(client, study_id, item)
    response = patch(client, item["id"], 0, content)
    assert response.status_code == 422 and "not a" in response.json["description"]
    assert client.get(f"/api/media/{item['id']}").json["offset"] == 0


def test_media_declared_after_the_note_and_bad_declarations(app, client, study_id):
    note_id = push_note(client, study_id)
    photo = declared(JPEG)
    assert client.post("/api/media", json={**photo, "observation_id": note_id}).status_code == 201
    assert client.post("/api/media", json={**photo, "observation_id": note_id}).status_code == 200
    other = {**photo, "sha256": "0" * 64, "observation_id": note_id}
    assert client.post("/api/media", json=other).status_code == 409
    too_big = client.post("/api/media", json={**declared(JPEG, size=26 * 2**20), "observation_id": note_id})
    assert too_big.status_code == 422 and "25 MB" in str(too_big.json["errors"])
    assert client.post("/api/media", json={**declared(JPEG), "observation_id": str(uuid.uuid4())}
                       ).status_code == 404
    assert client.post("/api/media", json={**declared(JPEG), "observation_id": note_id, "path": "../x"}
                       ).status_code == 422


def test_chunks_must_be_declared_bytes_of_a_known_size(app, client, study_id):
    photo = declared(JPEG)
    push_note(client, study_id, photo)
    wrong_type = client.patch(f"/api/media/{photo['id']}", data=JPEG, headers={"Upload-Offset": "0"})
    assert wrong_type.status_code == 415
    assert patch(client, photo["id"], "-1", JPEG).status_code == 400
    assert patch(client, photo["id"], 0, JPEG + b"extra").status_code == 422
    assert patch(client, photo["id"], 0, b"\xff" * (4 * 2**20 + 1)).status_code == 413
    assert client.head("/api/media/not-a-uuid").status_code == 404


def test_the_same_photo_on_two_notes_is_two_uploads_and_one_file(app, client, study_id, tmp_path):
    first, second = declared(JPEG), declared(JPEG)
    push_note(client, study_id, first)
    push_note(client, study_id, second)
    assert patch(client, first["id"], 0, JPEG).status_code == 204
    assert patch(client, second["id"], 0, JPEG).status_code == 204
    [stored] = [p for p in (tmp_path / "media").rglob("*") if p.is_file()]
    with client.get(f"/media/{second['id']}") as served, client.get(f"/media/{first['id']}") as other:
        assert served.data == other.data == stored.read_bytes()


def test_only_members_who_read_notes_get_media(app, client, auth, study_id):
    photo = declared(JPEG)
    note_id = push_note(client, study_id, photo)
    patch(client, photo["id"], 0, JPEG)
    with app.app_context():
        study = db.session.get(Study, study_id)
        add_member(study, make_user("vic@example.org"), "viewer")
        make_user("nob@example.org")
    for email in ("vic@example.org", "nob@example.org"):
        auth.logout()
        auth.login(email)
        assert client.get(f"/media/{photo['id']}").status_code == 404
        assert client.get(f"/api/media/{photo['id']}").status_code == 404
        assert patch(client, photo["id"], 0, JPEG).status_code == 404
        assert client.post("/api/media", json={**declared(JPEG), "observation_id": note_id}).status_code == 404
    auth.logout()
    assert client.get(f"/media/{photo['id']}").status_code == 302  # pages send you to sign in
    assert client.get(f"/api/media/{photo['id']}").status_code == 401


# A file must be what its note declared

def stored_files(tmp_path):
    return [p for p in (tmp_path / "media").rglob("*") if p.is_file()]


@pytest.mark.parametrize("content, mime", [
    (WEBM, "audio/webm;codecs=opus"), (WEBM, "video/webm"), (OGG, "audio/ogg; codecs=opus"),
    (M4A, "audio/mp4"), (M4A, "audio/x-m4a"), (MP3, "audio/mpeg"), (MP3_FRAME, "audio/mp3"), (ADTS, "audio/aac"),
])
def test_recordings_of_every_kind_phones_make_are_verified(app, client, study_id, tmp_path, content, mime):
    recording = declared(content, slot="audio", mime=mime)
    push_note(client, study_id, recording)
    response = patch(client, recording["id"], 0, content)
    assert response.status_code == 204 and response.headers["Upload-Status"] == "verified"
    assert [p.read_bytes() for p in stored_files(tmp_path)] == [content]  # a recording is kept as sent


@pytest.mark.parametrize("content, slot, mime, found", [
    (OGG, "audio", "audio/webm;codecs=opus", "an Ogg recording"),
    (MP3, "audio", "audio/webm", "an MP3 recording"),
    (WEBM, "audio", "audio/mp4", "a WebM recording"),
    (M4A, "audio", "audio/mpeg", "an MP4 (M4A) recording"),
    (ADTS, "audio", "audio/mpeg", "an AAC (ADTS) recording"),
    (PNG, "photo", "image/jpeg", "a PNG image"),
])
def test_a_file_that_is_not_what_its_note_declared_is_refused_and_nothing_is_stored(
        app, client, study_id, tmp_path, content, slot, mime, found):
    item = declared(content, slot=slot, mime=mime)
    push_note(client, study_id, item)
    response = patch(client, item["id"], 0, content)
    assert response.status_code == 422
    declared_as = mime.split(";")[0]  # stored without its codec parameters
    assert response.json["description"].startswith(f"The file is {found}, but its note declared {declared_as}.")
    assert "Nothing was stored" in response.json["description"]
    status = client.get(f"/api/media/{item['id']}").json
    assert (status["offset"], status["status"]) == (0, "pending")
    assert stored_files(tmp_path) == [] and client.get(f"/media/{item['id']}").status_code == 404


def test_a_mismatch_is_caught_at_the_end_when_the_first_chunk_was_too_short_to_tell(
        app, client, study_id, tmp_path):
    item = declared(OGG, slot="audio", mime="audio/webm")
    push_note(client, study_id, item)
    assert patch(client, item["id"], 0, OGG[:10]).status_code == 204
    response = patch(client, item["id"], 10, OGG[10:])
    assert response.status_code == 422 and "an Ogg recording, but its note declared audio/webm" in response.text
    assert client.get(f"/api/media/{item['id']}").json["offset"] == 0 and stored_files(tmp_path) == []


@pytest.mark.parametrize("content, mime", [
    (b"\x1a\x45\xdf\xa3" + os.urandom(5_000), "audio/webm"),    # the magic number, then nothing of WebM
    (ebml_header(b"matroska") + os.urandom(5_000), "audio/webm"),  # a Matroska video is not a WebM recording
    (b"OggS" + os.urandom(5_000), "audio/ogg"),
    (b"OggS\x00\x02" + bytes(20) + b"\x01\x1e" + b"\x80theora" + os.urandom(5_000), "audio/ogg"),  # Ogg video
    (b"\xff\xff\xff\xff" + os.urandom(5_000), "audio/mpeg"),     # sync bits, but a reserved layer and rate
])
def test_bytes_that_only_start_like_a_recording_are_refused(app, client, study_id, tmp_path, content, mime):
    item = declared(content, slot="audio", mime=mime)
    push_note(client, study_id, item)
    response = patch(client, item["id"], 0, content)
    assert response.status_code == 422
    assert response.json["description"].startswith("The file is not an audio recording we can take (AAC, ")
    assert stored_files(tmp_path) == []


def test_an_upload_offset_in_other_digits_is_400_not_500(app, client, study_id):
    item = declared(JPEG)
    push_note(client, study_id, item)
    response = client.patch(f"/api/media/{item['id']}", data=JPEG, headers={
        "Upload-Offset": "\u00b2", "Content-Type": "application/offset+octet-stream"})
    assert response.status_code == 400 and response.json["code"] == 400
