"""Verifying a whole upload (hashing it, re-encoding a photo) holds no lock that other writers wait for.

The re-encoder is made to block on an Event, so "while a photo is being verified" is a
state the test holds, not a matter of timing. (A 46 MP photo takes about a second.)
"""
import threading

import pytest
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Attachment, Revision
from fieldnotes.sync import media_images
from tests.conftest import AuthActions
from tests.factories import note_mutation
from tests.test_sync_media import DEVICE, JPEG, declared, patch, push_note

SAFETY_NET = 60  # seconds; only a hung test waits this long


class SlowReencoder:
    """Stands in for media_images.sanitise: its first call waits until the test lets it go."""

    def __init__(self, real):
        self.real = real
        self.started, self.release, self.done = threading.Event(), threading.Event(), threading.Event()
        self.calls = 0

    def __call__(self, *args):
        self.calls += 1
        if self.calls == 1:
            self.started.set()
            self.release.wait(SAFETY_NET)
        self.real(*args)
        if self.calls == 1:
            self.done.set()


@pytest.fixture
def reencoder(monkeypatch):
    slow = SlowReencoder(media_images.sanitise)
    monkeypatch.setattr(media_images, "sanitise", slow)
    return slow


def in_background(call):
    answer = {}
    thread = threading.Thread(target=lambda: answer.update(response=call()), daemon=True)
    thread.start()
    return thread, answer


def second_phone(app):
    phone = app.test_client()
    AuthActions(phone).login()
    return phone


def test_other_phones_push_while_a_photo_is_being_verified(app, client, study_id, reencoder):
    photo = declared(JPEG)
    push_note(client, study_id, photo)
    other = second_phone(app)
    upload, answer = in_background(lambda: patch(client, photo["id"], 0, JPEG))
    try:
        assert reencoder.started.wait(SAFETY_NET)
        mutation = note_mutation(study_id)
        pushed = other.post("/api/sync/push", json={"device_id": DEVICE, "mutations": [mutation]})
        assert pushed.status_code == 200 and pushed.json["results"][0]["status"] == "applied"
        assert pushed.json["results"][0]["entity_id"] == mutation["entity_id"]
        # The push was answered while the photo was still being re-encoded.
        assert not reencoder.done.is_set() and "response" not in answer
        # Nor is a sign-in.
        assert AuthActions(app.test_client()).login().status_code == 303
    finally:
        reencoder.release.set()
        upload.join(SAFETY_NET)
    assert answer["response"].status_code == 204 and answer["response"].headers["Upload-Status"] == "verified"


def test_a_resend_racing_a_slow_verification_stores_the_photo_once(app, client, study_id, reencoder, tmp_path):
    """The phone gave up waiting and declared the photo again: that verifies it; the first records nothing."""
    photo = declared(JPEG)
    note_id = push_note(client, study_id, photo)
    upload, answer = in_background(lambda: patch(client, photo["id"], 0, JPEG))
    try:
        assert reencoder.started.wait(SAFETY_NET)
        again = second_phone(app).post("/api/media", json={**photo, "observation_id": note_id})
        assert again.status_code == 200 and again.json["status"] == "verified"
    finally:
        reencoder.release.set()
        upload.join(SAFETY_NET)
    assert answer["response"].status_code == 204 and answer["response"].headers["Upload-Status"] == "verified"
    assert len([p for p in (tmp_path / "media").rglob("*") if p.is_file()]) == 1  # no leftovers in partial/
    with app.app_context():
        assert db.session.scalars(select(Attachment.status)).all() == ["verified"]
        assert len(db.session.scalars(select(Revision)).all()) == 1  # the note changed once, not twice


@pytest.mark.parametrize("comes_back", ["declares again", "sends no more bytes"])
def test_a_verification_cut_off_is_finished_when_the_phone_comes_back(
        app, client, study_id, monkeypatch, tmp_path, comes_back):
    photo = declared(JPEG)
    note_id = push_note(client, study_id, photo)
    real = media_images.sanitise

    def crash(*args):
        raise KeyboardInterrupt("the server stopped mid-verification")

    monkeypatch.setattr(media_images, "sanitise", crash)
    with pytest.raises(KeyboardInterrupt):
        patch(client, photo["id"], 0, JPEG)
    status = client.get(f"/api/media/{photo['id']}").json
    assert (status["offset"], status["status"]) == (len(JPEG), "pending")  # every byte kept
    monkeypatch.setattr(media_images, "sanitise", real)
    if comes_back == "declares again":  # what the phone's next upload attempt starts with
        again = client.post("/api/media", json={**photo, "observation_id": note_id})
        assert again.status_code == 200 and again.json == {"id": photo["id"], "offset": len(JPEG),
                                                           "status": "verified"}
    else:
        again = patch(client, photo["id"], len(JPEG), b"")
        assert again.status_code == 204 and again.headers["Upload-Status"] == "verified"
    with client.get(f"/media/{photo['id']}") as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
