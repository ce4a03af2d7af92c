"""Many new notes in one push (written in bulk): the same answers as one by one, each item on its own."""
import uuid

import pytest
from sqlalchemy import func, select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Attachment, Observation, Revision
from fieldnotes.sync.models import ProcessedMutation
from fieldnotes.studies.models import Tag
from tests.factories import make_study, make_user, note_mutation

DEVICE = "0c1d2e3f-4a5b-4c6d-8e7f-8091a2b3c4d5"


@pytest.fixture
def study_ids(app, auth):
    """Ana owns a study and is signed in; Ben's study is not hers."""
    with app.app_context():
        mine = make_study(make_user("ana@example.org", name="Ana")).id
        theirs = make_study(make_user("ben@example.org", name="Ben")).id
    auth.login()
    return mine, theirs


def push(client, mutations):
    response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": mutations})
    assert response.status_code == 200, response.json
    return response.json["results"]


def photo(media_id):
    return {"id": media_id, "slot": "photo", "sha256": "c" * 64, "size": 10, "mime": "image/jpeg"}


def test_a_large_mixed_batch_answers_each_item_as_if_sent_alone(app, client, study_ids):
    mine, theirs = study_ids
    notes = [note_mutation(mine, text=f"Note {i}", tags=["Paper", "paper"]) for i in range(60)]
    created = notes[7]
    edit = note_mutation(mine, op="update", entity_id=created["entity_id"], base_version=1, text="Edited")
    foreign = note_mutation(theirs, text="Not my study")
    shared = str(uuid.uuid4())
    first, second = (note_mutation(mine, text=t, media=[photo(shared)]) for t in ("Has it", "Reuses it"))
    batch = [*notes, edit, foreign, first, second]

    results = push(client, batch)

    by_id = {r["mutation_id"]: r for r in results}
    assert [r["mutation_id"] for r in results] == [m["mutation_id"] for m in batch]
    assert {by_id[m["mutation_id"]]["status"] for m in notes} == {"applied"}
    assert by_id[edit["mutation_id"]]["status"] == "applied" and by_id[edit["mutation_id"]]["version"] == 2
    assert by_id[foreign["mutation_id"]]["status"] == "rejected"
    assert by_id[foreign["mutation_id"]]["errors"] == {"study_id": ["You cannot add notes to this study."]}
    media_answers = sorted(by_id[m["mutation_id"]]["status"] for m in (first, second))
    assert media_answers == ["applied", "rejected"]
    seqs = [r["seq"] for r in results if r["status"] == "applied"]
    assert len(set(seqs)) == len(seqs) == 62

    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Observation)) == 61
        assert db.session.get(Observation, uuid.UUID(created["entity_id"])).text == "Edited"
        assert db.session.scalar(select(func.count()).select_from(Revision)) == 62  # 61 notes, 1 edit
        assert db.session.scalar(select(func.count()).select_from(ProcessedMutation)) == 62
        assert db.session.scalars(select(Tag.name).where(Tag.study_id == mine)).all() == ["Paper"]
        owner = db.session.get(Attachment, uuid.UUID(shared)).observation_id
        assert str(owner) in {first["entity_id"], second["entity_id"]}
        assert db.session.scalar(select(func.count()).select_from(Observation).where(
            Observation.study_id == theirs)) == 0

    again = push(client, batch)
    assert {r["status"] for r in again} == {"duplicate", "rejected"}
    assert [r["seq"] for r in again if r["status"] == "duplicate"] == seqs


def test_new_notes_take_the_change_numbers_right_after_the_last_one(app, client, study_ids):
    mine, _ = study_ids
    before = push(client, [note_mutation(mine, text="First")])[0]["seq"]
    results = push(client, [note_mutation(mine, text=f"Later {i}") for i in range(30)])
    seqs = sorted(r["seq"] for r in results)
    assert seqs == list(range(before + 1, before + 31))
