"""The API's reads around notes: studies, journey, tags, fieldwork, insights and boards, with consent and names."""
import json

import pytest

from fieldnotes.boards.models import Board, BoardItem, Evidence
from fieldnotes.extensions import db
from tests.boards_world import CANARY, CANARY_PSEUDONYM, build
from tests.factories import make_user

API = "/api/v1/studies"


@pytest.fixture
def world(app, auth):
    """The boards world (a consenting clerk, the canary who refused photos), with one board of both insights,
    each with its quote and its photo picked."""
    ids = build(app)
    with app.app_context():
        board = Board(study_id=ids["study"], title="Paper everywhere", narrative="What we saw at Halloran.")
        db.session.add(board)
        db.session.flush()
        for position, (insight, note, media) in enumerate([("first", "ok_note", "ok_media"),
                                                            ("second", "refused_note", "refused_media")]):
            item = BoardItem(board_id=board.id, insight_id=ids[insight], position=position)
            db.session.add(item)
            db.session.flush()
            db.session.add_all([Evidence(board_item_id=item.id, observation_id=ids[note], position=0),
                                Evidence(board_item_id=item.id, observation_id=ids[note], attachment_id=ids[media],
                                         position=1)])
        db.session.commit()
        ids["board"] = board.id
        make_user("stranger@example.org")
    auth.login("owner@example.org")
    return ids


def test_studies_list_only_yours_with_your_role(client, auth, world):
    studies = client.get(API).json["studies"]
    assert [(s["name"], s["role"]) for s in studies] == [("Another study", "owner"),
                                                         ("Onboarding at mid-size accounts", "owner")]
    assert client.get(f"{API}/{world['study']}").json["audience"] == "customer"
    auth.logout()
    auth.login("viewer@example.org")
    assert [s["role"] for s in client.get(API).json["studies"]] == ["viewer"]
    assert client.get(f"{API}/{world['other_study']}").status_code == 404


def test_journey_and_tags_in_their_order(client, world):
    journey = client.get(f"{API}/{world['study']}/journey").json
    assert [t["name"] for t in journey["touchpoints"]][:3] == ["Research", "Purchase", "Implementation"]
    assert "End user" in [r["name"] for r in journey["roles"]]
    assert client.get(f"{API}/{world['study']}/tags").json == {"tags": []}


def test_participants_by_pseudonym_and_never_a_real_name_even_for_the_owner(client, world):
    answer = client.get(f"{API}/{world['study']}/participants")
    people = {p["pseudonym"]: p for p in answer.json["participants"]}
    assert set(people) == {"P1", CANARY_PSEUDONYM}
    assert people[CANARY_PSEUDONYM]["consent"]["photos"] is False and people["P1"]["consent"]["photos"] is True
    assert CANARY not in answer.get_data(as_text=True)
    [visit] = client.get(f"{API}/{world['study']}/visits").json["visits"]
    assert visit["organisation"] == "Halloran Regional Logistics"
    assert sorted(visit["participant_ids"]) == sorted(p["id"] for p in people.values())


def test_a_real_name_typed_into_a_note_is_masked_for_everyone(client, world):
    url = f"{API}/{world['study']}/notes/{world['ok_note']}"
    version = client.get(url).json["version"]
    client.patch(url, json={"version": version, "text": f"{CANARY} re-keys every order."})
    assert client.get(url).json["text"] == "[finance executive] re-keys every order."
    assert CANARY not in client.get(f"{API}/{world['study']}/notes").get_data(as_text=True)


def test_insights_tree_names_its_notes(client, world):
    tree = client.get(f"{API}/{world['study']}/insights").json["insights"]
    assert [(i["statement"], i["note_ids"]) for i in tree] == [
        ("I type every order twice because the systems do not talk.", [str(world["ok_note"])]),
        ("I wait days for a signature on paper.", [str(world["refused_note"])])]
    assert tree[0]["breadth"]["participants"] == 1 and tree[0]["children"] == []


def test_a_board_shows_only_the_evidence_consent_allows(client, auth, world):
    assert [b["title"] for b in client.get(f"{API}/{world['study']}/boards").json["boards"]] == ["Paper everywhere"]
    auth.logout()
    auth.login("viewer@example.org")  # executives read boards, not raw notes
    answer = client.get(f"{API}/{world['study']}/boards/{world['board']}")
    assert answer.status_code == 200
    first, second = answer.json["items"]
    assert [e["use"] for e in first["evidence"]] == ["quote", "photo"]
    assert first["evidence"][1]["attachment_id"] == str(world["ok_media"])
    assert [e["use"] for e in second["evidence"]] == ["quote"]  # the canary refused photos
    body = json.dumps(answer.json)
    assert CANARY not in body and CANARY_PSEUDONYM not in body and str(world["refused_media"]) not in body
    assert client.get(f"{API}/{world['study']}/insights").status_code == 403
    assert client.get(f"{API}/{world['study']}/boards/{world['board'] + 1}").status_code == 404
