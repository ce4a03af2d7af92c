"""Every item of a push gets its own final answer: one bad note never stalls the phone's outbox.

A phone sends its oldest mutations first, so a batch answered 500 is sent again forever and no
later note arrives. An item the server cannot store is `rejected` with a reason and the rest of
the batch is applied; only a database outage answers the batch 503 (the phone retries).
"""
import uuid

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DataError, OperationalError

from fieldnotes.extensions import db
from fieldnotes.observations import service
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Tag
from tests.factories import note_mutation

DEVICE = "9b2f0f6e-4a53-4c52-9d0e-1f6a4f3d2c11"
# What a phone has sent that broke a whole batch: a string cut inside an emoji leaves a lone
# surrogate ("\ud83d"), and a time whose UTC instant falls outside the years 1 to 9999.
BAD_NOTES = {
    "lone surrogate in the text": ({"text": "Keeps a list \ud83d"}, "text", "U+D83D"),
    "lone surrogate in a tag": ({"tags": ["paper", "work\udfffaround"]}, "tags.1", "U+DFFF"),
    "lone surrogate in what they expected": ({"expected": "\udc00"}, "expected", "U+DC00"),
    "the last day of the calendar, west of UTC": ({"captured_at": "9999-12-31T23:59:59-05:00"}, "captured_at",
                                                  "between the years 1 and 9999"),
    "the first day of the calendar, east of UTC": ({"captured_at": "0001-01-01T00:00:00+05:00"}, "captured_at",
                                                   "between the years 1 and 9999"),
}


def push(client, mutations):
    response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": mutations})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.json["results"]


def stored_texts(app):
    with app.app_context():
        return set(db.session.scalars(select(Observation.text)))


@pytest.mark.parametrize("case", BAD_NOTES)
def test_thirty_good_notes_and_one_bad_one_each_get_their_answer(app, client, study_id, case):
    """The phone's batch as it was: 30 good notes and one bad, answered item by item, and the same on resend."""
    bad_data, field, words = BAD_NOTES[case]
    good = [note_mutation(study_id, text=f"Good note {i}") for i in range(30)]
    bad = note_mutation(study_id, **bad_data)
    batch = good[:17] + [bad] + good[17:]
    results = push(client, batch)
    assert [r["status"] for r in results] == ["applied"] * 17 + ["rejected"] + ["applied"] * 13
    assert results[17]["mutation_id"] == bad["mutation_id"]
    assert any(words in message for message in results[17]["errors"][field]), results[17]
    assert stored_texts(app) == {f"Good note {i}" for i in range(30)}
    again = push(client, batch)  # the phone resends before it hears: final answers, nothing twice
    assert [r["status"] for r in again] == ["duplicate"] * 17 + ["rejected"] + ["duplicate"] * 13
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Observation)) == 30
        assert "workaround" not in " ".join(db.session.scalars(select(Tag.name)))


@pytest.mark.parametrize("case", BAD_NOTES)
def test_an_edit_with_bad_data_is_rejected_and_the_note_keeps_its_version(app, client, study_id, case):
    bad_data, field, _ = BAD_NOTES[case]
    create = note_mutation(study_id, text="Before")
    [applied] = push(client, [create])
    edit = note_mutation(study_id, op="update", entity_id=create["entity_id"], base_version=1, **bad_data)
    later = note_mutation(study_id, text="After the bad edit")
    results = push(client, [edit, later])
    assert [r["status"] for r in results] == ["rejected", "applied"] and field in results[0]["errors"]
    with app.app_context():
        note = db.session.get(Observation, uuid.UUID(create["entity_id"]))
        assert (note.version, note.text) == (applied["version"], "Before")


def test_a_note_the_database_refuses_is_rejected_and_the_rest_of_the_batch_applied(app, client, study_id,
                                                                                     monkeypatch):
    """Whatever the checks did not foresee (here PostgreSQL's "integer out of range") costs one item, not the batch."""
    write_fields = service.write_fields

    def refuse_one(note, data, now=None):
        if data["text"] == "The one the database refuses":
            raise DataError("INSERT INTO observation ...", {}, ValueError("integer out of range"))
        return write_fields(note, data, now)

    monkeypatch.setattr(service, "write_fields", refuse_one)
    batch = [note_mutation(study_id, text=f"Good note {i}") for i in range(5)]
    batch.insert(2, note_mutation(study_id, text="The one the database refuses"))
    results = push(client, batch)
    assert [r["status"] for r in results] == ["applied", "applied", "rejected", "applied", "applied", "applied"]
    assert "could not store this change (DataError)" in results[2]["errors"]["mutation"][0]
    assert stored_texts(app) == {f"Good note {i}" for i in range(5)}
    edit = note_mutation(study_id, op="update", entity_id=batch[0]["entity_id"], base_version=1,
                         text="The one the database refuses")
    assert push(client, [edit])[0]["status"] == "rejected"  # an edit, one by one: the same final answer
    assert "Good note 0" in stored_texts(app)


def test_a_database_outage_inside_an_item_still_answers_the_batch_503(app, client, study_id, monkeypatch):
    """An outage says nothing about the item: the phone must keep the batch and send it again."""
    def database_gone(note, data, now=None):
        raise OperationalError("INSERT INTO observation ...", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(service, "write_fields", database_gone)
    batch = [note_mutation(study_id, text=f"Note {i}") for i in range(3)]
    response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": batch})
    assert response.status_code == 503 and response.headers["Retry-After"] == "5"
    assert stored_texts(app) == set()
    monkeypatch.undo()
    assert [r["status"] for r in push(client, batch)] == ["applied"] * 3
