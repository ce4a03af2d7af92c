"""Malformed input gets a specific 4xx and writes nothing, on every endpoint a fuzzer broke (issue 9).

Each case below answered 500 before: JSON nested past the parser's recursion limit, digits that
are not ASCII ("²" passes str.isdigit(), then int() fails), integers past what a column holds
(PostgreSQL: "integer out of range"), lone surrogates that no database can encode, a date at
the calendar's edge. And two writes across studies: a dismissed suggestion naming another
study's notes, a bulk "add tag" that made the tag though no chosen note was in the study.
"""
import base64
import uuid

import pytest
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.insights.models import Insight, SuggestionDismissal
from fieldnotes.studies.models import Tag
from tests.factories import make_observation, make_study, make_user, note_mutation

SIGN_IN_TABLES = {"login_session", "failed_login"}
DEVICE = "9b2f0f6e-4a53-4c52-9d0e-1f6a4f3d2c11"
TOO_DEEP = "[" * 100_000 + "]" * 100_000  # past Python's recursion limit
DEEP = '{"a":' * 40 + "1" + "}" * 40        # within it, but deeper than anything of ours


@pytest.fixture
def world(app, auth):
    """Ana owns a study with a note and an insight; Bert's study has a note of his own."""
    with app.app_context():
        ana, bert = make_user("ana@example.org", name="Ana"), make_user("bert@example.org", name="Bert")
        study, other = make_study(ana), make_study(bert, name="Bert's study")
        note = make_observation(study, ana, text="Keeps a paper list of overdue invoices")
        foreign = make_observation(other, bert, text="Bert's own note")
        insight = Insight(study_id=study.id, statement="Paper lists stand in for the ERP", position=1)
        db.session.add(insight)
        db.session.commit()
        ids = {"study": study.id, "note": str(note.id), "foreign": str(foreign.id), "insight": insight.id}
    auth.login()
    return ids


def snapshot(app):
    """Every row of every table but the sign-in records: a refused request changes none."""
    with app.app_context():
        return {table.name: sorted(map(repr, db.session.execute(select(table)).all()))
                for table in db.metadata.sorted_tables if table.name not in SIGN_IN_TABLES}


def refused(app, client, method, url, status, words, **kwargs):
    """Send it; it must answer `status` saying `words`, and leave every table as it was."""
    before = snapshot(app)
    response = client.open(url, method=method, **kwargs)
    body = response.get_data(as_text=True)
    assert response.status_code == status, body[:500]
    assert words in (response.json["description"] + str(response.json.get("errors", "")) if response.is_json
                     else body), body[:500]
    assert snapshot(app) == before
    return response


def json_endpoints(world):
    study = world["study"]
    return [f"/api/studies/{study}/insights", f"/api/studies/{study}/insights/move-notes",
            f"/api/studies/{study}/insights/{world['insight']}/statement", "/api/sync/push", "/api/media"]


@pytest.mark.parametrize("endpoint", range(5))
@pytest.mark.parametrize("body", [TOO_DEEP, DEEP], ids=["past the recursion limit", "40 levels"])
def test_json_nested_too_deeply_is_400_on_every_json_endpoint(app, client, world, endpoint, body):
    url = json_endpoints(world)[endpoint]
    refused(app, client, "POST", url, 400, "more than 32 levels deep", data=body,
            content_type="application/json")


def test_json_numbers_that_are_not_json_are_400(app, client, world):
    """Python's parser takes Infinity and NaN; int(Infinity) then fails where a number was expected."""
    url = f"/api/studies/{world['study']}/insights/{world['insight']}/reorder"
    refused(app, client, "POST", url, 400, "Infinity is not a JSON number", data='{"offset": Infinity}',
            content_type="application/json")
    refused(app, client, "POST", url, 400, "NaN is not a JSON number", data='{"offset": 1, "version": NaN}',
            content_type="application/json")


@pytest.mark.parametrize("since", ["²", "١٢", "-1", "1e3", "9" * 30])
def test_insight_changes_since_must_be_a_plain_number(app, client, world, since):
    refused(app, client, "GET", f"/api/studies/{world['study']}/insights/changes?since={since}", 400,
            "since must be a change number")


def test_pull_cursor_with_a_digit_that_is_not_ascii_is_400(app, client, world):
    refused(app, client, "GET", f"/api/sync/pull?study_id={world['study']}&cursor=abc:²", 400, "cursor")


def test_journey_matrix_ignores_a_visit_that_is_not_a_number(app, client, world):
    response = client.get(f"/studies/{world['study']}/journey-matrix?visit=²&visit=99999999999")
    assert response.status_code == 200


@pytest.mark.parametrize("value", ["²", "١", "99999999999", "2147483648", "9" * 19])
def test_bulk_set_touchpoint_to_what_is_no_id_is_422(app, client, world, value):
    refused(app, client, "POST", f"/studies/{world['study']}/notes/bulk", 422,
            "Choose a touchpoint or role from the list.",
            data={"note_ids": [world["note"]], "action": "set-touchpoint", "value": value})


def test_affinity_form_with_an_id_that_is_no_number_is_400(app, client, world):
    refused(app, client, "POST", f"/studies/{world['study']}/affinity", 400,
            "The insight to move the notes to is not one this workspace offers",
            data={"action": "move", "note_ids": [world["note"]], "target_id": "²"})


@pytest.mark.parametrize("body, field", [
    ({"versions": {"9999999999": 1}}, "versions"),
    ({"versions": {"²": 1}}, "versions"),
    ({"versions": {"1": 10**20}}, "versions"),
    ({"sources": {"x": 10**20}}, "sources"),
    ({"target_id": 2**31}, "target_id"),
], ids=["insight id past the column", "insight id not ascii", "version past the column", "source past the column",
        "target past the column"])
def test_insight_move_with_numbers_past_the_column_is_422(app, client, world, body, field):
    refused(app, client, "POST", f"/api/studies/{world['study']}/insights/move-notes", 422, field,
            json={"note_ids": [world["note"]], **body})


@pytest.mark.parametrize("path, body", [("", {"note_ids": []}), ("/{insight}/statement", {})],
                         ids=["a new insight", "a statement edited"])
@pytest.mark.parametrize("statement", ["Paper \ud83d", "\udfff", "Nul \x00 here"])
def test_an_insight_statement_no_database_can_store_is_422(app, client, world, path, body, statement):
    url = f"/api/studies/{world['study']}/insights" + path.format(**world)
    response = refused(app, client, "POST", url, 422, "Contains characters that are not allowed",
                       json={"statement": statement, **body})
    assert list(response.json["errors"]) == ["statement"]


def test_a_push_item_with_a_version_past_the_column_is_rejected_alone(app, client, world):
    """An edit based on version 10**20 is refused by the schema, not by the database mid-batch."""
    edit = note_mutation(world["study"], op="update", entity_id=world["note"], base_version=10**20)
    good = note_mutation(world["study"], text="A later note")
    response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": [edit, good]})
    assert response.status_code == 200
    assert [r["status"] for r in response.json["results"]] == ["rejected", "applied"]
    assert "base_version" in response.json["results"][0]["errors"]


def test_media_declared_with_a_type_no_database_can_store_is_422(app, client, world):
    media = {"id": str(uuid.uuid4()), "observation_id": world["note"], "slot": "photo", "sha256": "a" * 64,
             "size": 100, "mime": "image/jpeg\ud800"}
    refused(app, client, "POST", "/api/media", 422, "mime", json=media)


def test_browse_up_to_the_last_day_of_the_calendar_lists_every_note(app, client, world):
    response = client.get(f"/studies/{world['study']}/notes?to=9999-12-31")
    assert response.status_code == 200 and "Keeps a paper list of overdue invoices" in response.get_data(as_text=True)


def test_browse_with_a_made_up_cursor_nested_deeply_is_400(app, client, world):
    cursor = base64.urlsafe_b64encode(b"[" * 5_000).decode().rstrip("=")
    refused(app, client, "GET", f"/studies/{world['study']}/notes?after={cursor}", 400, "page link is not valid")


def test_dismissing_a_suggestion_of_another_studys_notes_is_422_and_remembers_nothing(app, client, world):
    url = f"/api/studies/{world['study']}/insights/suggestions/dismiss"
    refused(app, client, "POST", url, 422, "not in this study", json={"note_ids": [world["note"], world["foreign"]]})
    refused(app, client, "POST", url, 422, "not in this study", json={"note_ids": [str(uuid.uuid4())]})
    assert client.post(url, json={"note_ids": [world["note"]]}).status_code == 200
    with app.app_context():
        assert db.session.scalars(select(SuggestionDismissal.note_ids)).all() == [[world["note"]]]


def test_bulk_add_tag_with_no_note_of_this_study_creates_no_tag(app, client, world):
    refused(app, client, "POST", f"/studies/{world['study']}/notes/bulk", 422, "None of the selected notes",
            data={"note_ids": [world["foreign"], str(uuid.uuid4())], "action": "add-tag", "tag": "smuggled"})
    with app.app_context():
        assert db.session.scalar(select(Tag).where(Tag.name == "smuggled")) is None
    ok = client.post(f"/studies/{world['study']}/notes/bulk",
                     data={"note_ids": [world["note"], world["foreign"]], "action": "add-tag", "tag": "paper"})
    assert ok.status_code == 303
    with app.app_context():
        assert db.session.scalars(select(Tag.study_id).where(Tag.name == "paper")).all() == [world["study"]]
