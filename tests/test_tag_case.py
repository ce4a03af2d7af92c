"""One tag, touchpoint or role per name whatever its letter case, accents included, on both databases.

A form that names an existing one in other letters is refused with a field message;
a phone (or the bulk form) that names it is given the existing one.
"""
import unicodedata

import pytest
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Role, Study, Tag, Touchpoint
from tests.factories import make_observation, note_mutation

DEVICE = "9b2f0f6e-4a53-4c52-9d0e-1f6a4f3d2c11"
DECOMPOSED_E = unicodedata.normalize("NFD", "é")  # "e" + combining acute: looks the same as "é"
MODELS = {"touchpoints": Touchpoint, "roles": Role}


def names(app, model, study_id):
    with app.app_context():
        return sorted(db.session.scalars(select(model.name).where(model.study_id == study_id)))


def add_tag(client, study_id, name):
    return client.post(f"/studies/{study_id}/tags", data={"name": name})


@pytest.mark.parametrize("existing, typed", [
    ("billing", "Billing"),
    ("Écran", "ÉCRAN"),                      # SQLite's lower() leaves É alone
    ("écran", f"{DECOMPOSED_E}cran"),        # the same letters, typed another way
    ("Señal débil", "SEÑAL DÉBIL"),
])
def test_a_tag_in_other_letters_is_refused_by_the_form(app, client, study_id, existing, typed):
    assert add_tag(client, study_id, existing).status_code == 303
    response = add_tag(client, study_id, typed)
    assert response.status_code == 422
    assert f"The tag “{typed}” already exists." in response.text
    assert names(app, Tag, study_id) == [existing]


def test_other_tags_are_still_added(app, client, study_id):
    for name in ("écran", "ecran", "billing", "billing run"):  # an accent or a word makes another tag
        assert add_tag(client, study_id, name).status_code == 303
    assert names(app, Tag, study_id) == ["billing", "billing run", "ecran", "écran"]


@pytest.mark.parametrize("kind", MODELS)
def test_a_journey_term_in_other_letters_is_refused_by_the_form(app, client, study_id, kind):
    assert client.post(f"/studies/{study_id}/{kind}", data={"name": "Réparation"}).status_code == 303
    before = names(app, MODELS[kind], study_id)
    for typed in ("RÉPARATION", f"r{DECOMPOSED_E}paration"):
        response = client.post(f"/studies/{study_id}/{kind}", data={"name": typed})
        assert response.status_code == 422
        assert f"There is already one called “{typed}”." in response.text
    assert names(app, MODELS[kind], study_id) == before


@pytest.mark.parametrize("kind", MODELS)
def test_renaming_a_term_to_another_in_other_letters_is_refused(app, client, study_id, kind):
    model = MODELS[kind]
    client.post(f"/studies/{study_id}/{kind}", data={"name": "Réparation"})
    client.post(f"/studies/{study_id}/{kind}", data={"name": "Retour"})
    with app.app_context():
        retour = db.session.scalar(select(model.id).where(model.study_id == study_id, model.name == "Retour"))
    url = f"/studies/{study_id}/{kind}/{retour}"
    response = client.post(url, data={"action": "rename", "name": "RÉPARATION"})
    assert response.status_code == 422
    assert "There is already one called “RÉPARATION”." in response.text
    # Its own name in other letters is a plain rename.
    assert client.post(url, data={"action": "rename", "name": "RETOUR"}).status_code == 303
    assert "RETOUR" in names(app, model, study_id) and "Retour" not in names(app, model, study_id)


def push(client, *mutations):
    response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": list(mutations)})
    assert response.status_code == 200, response.json
    return response.json["results"]


def test_a_phone_naming_a_tag_in_other_letters_gets_the_existing_one(app, client, study_id):
    add_tag(client, study_id, "Écran")
    create = note_mutation(study_id, tags=["ÉCRAN", f"{DECOMPOSED_E}cran", "écran", "Battery"])
    assert push(client, create)[0]["status"] == "applied"
    second = note_mutation(study_id, tags=["BATTERY"])
    assert push(client, second)[0]["status"] == "applied"
    assert names(app, Tag, study_id) == ["Battery", "Écran"]
    with app.app_context():
        notes = {str(n.id): sorted(t.name for t in n.tags) for n in db.session.scalars(select(Observation))}
    assert notes == {create["entity_id"]: ["Battery", "Écran"], second["entity_id"]: ["Battery"]}


def test_the_bulk_form_adds_the_existing_tag_in_other_letters(app, client, study_id):
    with app.app_context():
        study = db.session.get(Study, study_id)
        note = str(make_observation(study, study.memberships[0].user, tags=[]).id)
    add_tag(client, study_id, "Écran")
    response = client.post(f"/studies/{study_id}/notes/bulk",
                           data={"note_ids": [note], "action": "add-tag", "tag": "ÉCRAN"})
    assert response.status_code == 303
    assert names(app, Tag, study_id) == ["Écran"]


def test_renaming_a_tag_onto_another_in_other_letters_asks_for_a_merge(app, client, study_id):
    add_tag(client, study_id, "Écran")
    add_tag(client, study_id, "Screen")
    with app.app_context():
        screen = db.session.scalar(select(Tag.id).where(Tag.study_id == study_id, Tag.name == "Screen"))
    response = client.post(f"/studies/{study_id}/tags/{screen}/rename", data={"name": "ÉCRAN"})
    assert response.status_code == 422
    assert "There is already a tag “Écran”: merge “Screen” into it instead." in response.text
    assert names(app, Tag, study_id) == ["Screen", "Écran"]
    # A tag's own name in other letters is a plain rename.
    assert client.post(f"/studies/{study_id}/tags/{screen}/rename", data={"name": "SCREEN"}).status_code == 303
    assert names(app, Tag, study_id) == ["SCREEN", "Écran"]
