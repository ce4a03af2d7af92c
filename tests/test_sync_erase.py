"""Erasing a participant reaches the phones: their notes come down again without them."""
import uuid

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from tests.factories import (PASSWORD, make_observation, make_participant, make_study, make_user,
                             note_mutation)


def test_a_phone_pulls_the_unlinked_note_and_can_still_edit_it(app, client):
    with app.app_context():
        owner = make_user("owner@example.org")
        study = make_study(owner)
        person = make_participant(study, pseudonym="P1 Finance lead")
        note = make_observation(study, owner, participant_id=person.id, text="Keys every invoice twice")
        study_id, participant_id, note_id = study.id, person.id, str(note.id)
    client.post("/login", data={"email": "owner@example.org", "password": PASSWORD})
    before = client.get(f"/api/sync/pull?study_id={study_id}").json["cursor"]

    erase = f"/studies/{study_id}/participants/{participant_id}/erase"
    assert client.post(erase, data={"confirm": "erase"}).status_code == 303

    changes = client.get(f"/api/sync/pull?study_id={study_id}&cursor={before}").json["changes"]
    assert [(c["id"], c["version"], c["data"]["participant_id"]) for c in changes] == [(note_id, 2, None)]

    # The phone, now up to date, edits the note: accepted, not refused for naming a lost participant.
    with app.app_context():
        edit = note_mutation(study_id, op="update", entity_id=note_id, base_version=2,
                             text="Keys every invoice twice, then files the paper copy")
    answer = client.post("/api/sync/push", json={"device_id": str(uuid.uuid4()), "mutations": [edit]}).json
    assert answer["results"][0]["status"] == "applied"
    with app.app_context():
        stored = db.session.get(Observation, uuid.UUID(note_id))
        assert (stored.participant_id, stored.version) == (None, 3)
