"""Declaring and verifying media take their change number late, as pushes do (issue 11, item 5):
a push left open holds neither up, and phones still pull the media's change after the push's."""
import pytest
from sqlalchemy import select

from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.observations import changes
from tests.test_counter_late import WAIT, OpenPush, on_postgresql, pull, validated
from tests.test_sync_media import JPEG, declared, patch, push_note
from tests.test_sync_media_verify import in_background


@pytest.fixture
def open_push(app, study_id):
    """A push of one note, written and left open (its transaction holds the writers' gate, shared)."""
    if not on_postgresql(app):
        pytest.skip("SQLite lets one writer in at a time: a declaration waits for any open push there")
    note_id, data = validated(study_id, text="Opened first, committed last")

    def write():
        author = db.session.scalar(select(User.id).where(User.email == "ana@example.org"))
        changes.write_new_notes(author, None, [(note_id, data)])
    push = OpenPush(app, write)
    push.start()
    assert push.written.wait(WAIT) and push.error is None
    yield push
    push.finish.set()
    push.join(WAIT)


def test_a_photo_is_declared_and_verified_while_a_push_is_open(app, client, study_id, open_push):
    photo = declared(JPEG)
    note_id = push_note(client, study_id, photo)
    cursor = pull(client, study_id)["cursor"]
    # Before: the declaration took the counter, and the writers' gate exclusively, so it waited for
    # every open push (here, until the push is let go at the end of the test).
    thread, answer = in_background(lambda: client.post("/api/media", json={**photo, "observation_id": note_id}))
    thread.join(WAIT)
    assert not thread.is_alive(), "the declaration waited for the open push"
    assert answer["response"].status_code in (200, 201), answer["response"].json
    assert patch(client, photo["id"], 0, JPEG).status_code == 204
    seen = pull(client, study_id, cursor)
    [change] = seen["changes"]
    assert change["id"] == note_id and change["data"]["media"][0]["status"] == "verified"

    open_push.finish.set()
    open_push.join(WAIT)
    assert not open_push.is_alive() and open_push.error is None
    later = pull(client, study_id, seen["cursor"])  # numbered after the media: the phone does not skip it
    assert [c["data"]["text"] for c in later["changes"]] == ["Opened first, committed last"]
    assert later["changes"][0]["seq"] > change["seq"]
