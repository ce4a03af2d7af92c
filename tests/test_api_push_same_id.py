"""One note id from a script (/api/v1) and from a phone's push, in either order or at once: never a 500,
the second is answered as the same note sent again or as a conflict, and no one's words are lost."""
import threading
import uuid
from collections import Counter

from sqlalchemy import func, select

from fieldnotes.api import writes
from fieldnotes.extensions import db
from fieldnotes.observations import changes
from fieldnotes.observations.models import Observation, Revision
from tests.factories import PASSWORD, note_mutation

NOTES = "/api/v1/studies/{}/notes"
WHEN = "2026-03-12T10:15:00+00:00"
PHONE_WORDS = "Keeps a paper list of overdue invoices beside the keyboard."


def script_note(note_id, text=PHONE_WORDS, **more):
    return {"id": str(note_id), "kind": "observation", "text": text, "captured_at": WHEN, **more}


def push(client, mutation, device=None):
    answer = client.post("/api/sync/push", json={"device_id": device or str(uuid.uuid4()), "mutations": [mutation]})
    assert answer.status_code == 200, answer.text
    [result] = answer.json["results"]
    return result


def notes_and_revisions(app, note_id):
    with app.app_context():
        notes = db.session.scalar(select(func.count()).select_from(Observation).where(Observation.id == note_id))
        revisions = db.session.execute(select(Revision.kind, Revision.data).where(
            Revision.observation_id == note_id).order_by(Revision.id)).all()
        return notes, [(str(kind), data.get("text")) for kind, data in revisions]


def test_a_phone_pushing_a_note_the_script_made_hears_duplicate_or_conflict(app, client, study_id):
    note_id = uuid.uuid4()
    made = client.post(NOTES.format(study_id), json=script_note(note_id))
    assert made.status_code == 201 and made.json["id"] == str(note_id)
    same = push(client, note_mutation(study_id, entity_id=note_id))
    assert same["status"] == "duplicate" and same["version"] == 1
    other = push(client, note_mutation(study_id, entity_id=note_id, text="Written on the phone, differently"))
    assert other["status"] == "conflict" and other["server"]["data"]["text"] == PHONE_WORDS
    # One note; the phone's other words are kept in its history, not dropped.
    assert notes_and_revisions(app, note_id) == (1, [("edit", PHONE_WORDS),
                                                     ("conflict", "Written on the phone, differently")])


def test_a_script_sending_the_note_a_phone_pushed_gets_it_back_once(app, client, study_id):
    note_id = uuid.uuid4()
    assert push(client, note_mutation(study_id, entity_id=note_id))["status"] == "applied"
    for _ in range(2):  # the note as pushed, then a retry of the script's own request
        again = client.post(NOTES.format(study_id), json=script_note(note_id))
        assert again.status_code == 201 and again.json["version"] == 1 and again.json["text"] == PHONE_WORDS
        assert again.headers["Location"].endswith(f"/notes/{note_id}")
    untimed = script_note(note_id)
    del untimed["captured_at"]  # a script that lets the server stamp the time sends "now" each retry
    assert client.post(NOTES.format(study_id), json=untimed).status_code == 201
    assert notes_and_revisions(app, note_id) == (1, [("edit", PHONE_WORDS)])


def test_a_different_note_under_a_taken_id_is_a_409_that_writes_nothing(app, client, study_id):
    note_id = uuid.uuid4()
    assert push(client, note_mutation(study_id, entity_id=note_id))["status"] == "applied"
    for body in (script_note(note_id, text="The script's own words"), script_note(note_id, tags=["fax"]),
                 script_note(note_id, captured_at="2026-03-13T09:00:00+00:00")):
        refused = client.post(NOTES.format(study_id), json=body)
        assert refused.status_code == 409, refused.json
        assert "different note has this id" in refused.json["description"]
        assert refused.json["current"]["text"] == PHONE_WORDS and refused.json["current"]["version"] == 1
    assert notes_and_revisions(app, note_id) == (1, [("edit", PHONE_WORDS)])
    assert client.get(f"{NOTES.format(study_id)}/{note_id}").json["tags"] == []


def test_a_deleted_notes_id_is_a_409_without_the_note(app, client, study_id):
    note_id = uuid.uuid4()
    assert client.post(NOTES.format(study_id), json=script_note(note_id)).status_code == 201
    assert client.delete(f"{NOTES.format(study_id)}/{note_id}", query_string={"version": 1}).status_code == 204
    refused = client.post(NOTES.format(study_id), json=script_note(note_id))
    assert refused.status_code == 409 and refused.json["current"] is None
    assert client.get(f"{NOTES.format(study_id)}/{note_id}").status_code == 404  # not brought back


def test_a_writer_that_slipped_past_the_counter_makes_the_create_a_replay_not_a_500(app, client, study_id,
                                                                                  monkeypatch):
    """Every note writer takes the counter first, so the id check cannot miss today; if one ever wrote the
    id between the check and the insert, the database's key refuses the second row and the answer says so."""
    note_id, looked = uuid.uuid4(), []
    real_existing = writes.existing

    def racer_first(wanted):
        if not looked:  # the check misses, and the phone's note lands just after it
            looked.append(wanted)
            changes.write_new_notes(1, None, [(wanted, {**note_mutation(study_id)["data"], "study_id": study_id,
                                                        "captured_at": changes.utcnow()})])
            return None
        return real_existing(wanted)
    monkeypatch.setattr(writes, "existing", racer_first)
    different = client.post(NOTES.format(study_id), json=script_note(note_id, text="The script's own words"))
    assert different.status_code == 409 and different.json["current"]["text"] == PHONE_WORDS
    assert notes_and_revisions(app, note_id) == (0, [])  # a 409 rolls back, the racer's row with it here
    looked.clear()
    untimed = script_note(note_id)
    del untimed["captured_at"]
    same = client.post(NOTES.format(study_id), json=untimed)
    assert same.status_code == 201 and same.json["text"] == PHONE_WORDS
    assert notes_and_revisions(app, note_id) == (1, [("edit", PHONE_WORDS)])


def signed_in(app):
    client = app.test_client()
    assert client.post("/login", data={"email": "ana@example.org", "password": PASSWORD}).status_code == 303
    return client


IDS = 24


def test_a_script_and_a_phone_sending_the_same_ids_at_once_lose_and_double_nothing(app, study_id):
    """Half the ids carry the same note from both sides, half different words. Answers: no 5xx; each id
    one note; the phone's words are the note or kept as a conflict; the script's are the note or it heard 409."""
    ids = [uuid.uuid4() for _ in range(IDS)]
    same = set(ids[::2])
    script_words = {i: PHONE_WORDS if i in same else f"Script {n}" for n, i in enumerate(ids)}
    api_answers, phone_answers, failures = {}, {}, []

    def script():
        client = signed_in(app)
        for note_id in ids:
            answer = client.post(NOTES.format(study_id), json=script_note(note_id, text=script_words[note_id]))
            api_answers[note_id] = answer.status_code

    def phone():
        client, device = signed_in(app), str(uuid.uuid4())
        for note_id in reversed(ids):  # the two meet in the middle, and race there
            answer = client.post("/api/sync/push", json={"device_id": device, "mutations": [
                note_mutation(study_id, entity_id=note_id)]})
            if answer.status_code != 200:
                failures.append(answer.status_code)
                continue
            phone_answers[note_id] = answer.json["results"][0]["status"]

    threads = [threading.Thread(target=script), threading.Thread(target=phone)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == [] and len(api_answers) == len(phone_answers) == IDS
    assert set(api_answers.values()) <= {201, 409}, Counter(api_answers.values())
    assert set(phone_answers.values()) <= {"applied", "duplicate", "conflict"}
    for note_id in ids:
        count, history = notes_and_revisions(app, note_id)
        assert count == 1, note_id
        note_text = history[0][1]
        assert PHONE_WORDS in {note_text} | {text for kind, text in history if kind == "conflict"}
        assert note_text == script_words[note_id] or api_answers[note_id] == 409
        if note_id in same:
            assert api_answers[note_id] == 201 and phone_answers[note_id] in {"applied", "duplicate"}

