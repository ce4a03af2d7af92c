"""The API's notes, as a script uses them: filter, page, read, and write through the versioned path."""
import uuid

import pytest
from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation, Revision
from fieldnotes.studies.models import Tag, Touchpoint
from tests.factories import make_observations, make_study, make_user
from tests.statements import statements_during

NOTES = "/api/v1/studies/{}/notes"


@pytest.fixture
def world(app, auth):
    """Ana owns a study with 23 notes by Rui (researcher): quotes at Purchase, observations at Use."""
    with app.app_context():
        ana, rui = make_user("ana@example.org", "Ana"), make_user("rui@example.org", "Rui")
        dee, vic = make_user("dee@example.org", "Dee"), make_user("vic@example.org", "Vic")
        make_user("otto@example.org", "Otto")
        study = make_study(ana, researcher=rui, designer=dee, viewer=vic)
        other = make_study(ana, name="Another study")
        stage = {t.name: t.id for t in db.session.scalars(select(Touchpoint).where(Touchpoint.study_id == study.id))}
        notes = make_observations(study, rui, [
            {"kind": "quote" if i % 3 == 0 else "observation", "text": f"Note {i} about the fuel sheet",
             "touchpoint_id": stage["Purchase"] if i % 3 == 0 else stage["Use"],
             "captured_at": f"2026-03-{1 + i % 20:02d}T10:{i:02d}:00+00:00", "tags": ["paper"] if i < 5 else []}
            for i in range(23)])
        world = {"study": study.id, "other": other.id, "notes": [str(n.id) for n in notes], "stage": stage,
                 "other_stage": db.session.scalar(select(Touchpoint.id).where(Touchpoint.study_id == other.id))}
    auth.login("ana@example.org")
    return world


def all_pages(client, url, **params):
    seen, after = [], None
    while True:
        answer = client.get(url, query_string={**params, **({"after": after} if after else {})})
        assert answer.status_code == 200, answer.json
        seen += [n["id"] for n in answer.json["notes"]]
        after = answer.json["next"]
        if after is None:
            return seen


def test_filters_narrow_the_notes_by_the_browse_pages_names(client, world):
    url = NOTES.format(world["study"])
    quotes = client.get(url, query_string={"kind": "quote", "limit": 200}).json["notes"]
    assert len(quotes) == 8 and {n["kind"] for n in quotes} == {"quote"}
    at_use = client.get(url, query_string={"touchpoint": world["stage"]["Use"], "limit": 200}).json["notes"]
    assert len(at_use) == 15 and {n["touchpoint_id"] for n in at_use} == {world["stage"]["Use"]}
    with client.application.app_context():
        paper = db.session.scalar(select(Tag.id).where(Tag.name == "paper"))
    tagged = client.get(url, query_string={"tag": paper, "kind": "quote"}).json["notes"]
    assert sorted(n["text"] for n in tagged) == ["Note 0 about the fuel sheet", "Note 3 about the fuel sheet"]
    assert [n["text"] for n in client.get(url, query_string={"q": "\"Note 7\""}).json["notes"]] == [
        "Note 7 about the fuel sheet"]
    assert len(client.get(url, query_string={"from": "2026-03-02", "to": "2026-03-03"}).json["notes"]) == 4


def test_cursor_pages_cover_every_note_exactly_once_in_either_order(client, world):
    for order in ("newest", "journey"):
        seen = all_pages(client, NOTES.format(world["study"]), limit=4, order=order)
        assert len(seen) == len(set(seen)) == 23
        assert set(seen) == set(world["notes"])


def test_a_bad_filter_or_page_size_is_a_422_naming_it(client, world):
    url = NOTES.format(world["study"])
    answer = client.get(url, query_string={"touchpoint": world["other_stage"]})
    assert answer.status_code == 422 and "not in this study" in answer.json["errors"]["filters"][0]
    answer = client.get(url, query_string={"limit": 500, "kindd": "quote"})
    assert answer.status_code == 422 and set(answer.json["errors"]) == {"limit", "kindd"}


def pull(client, study_id, cursor=""):
    answer = client.get("/api/sync/pull", query_string={"study_id": study_id, "cursor": cursor})
    assert answer.status_code == 200
    return answer.json


def test_notes_written_by_the_api_reach_a_phone_pull(client, world):
    url = NOTES.format(world["study"])
    cursor = pull(client, world["study"])["cursor"]
    created = client.post(url, json={"kind": "quote", "text": "I print it and retype it.", "tags": ["retyping"],
                                     "touchpoint_id": world["stage"]["Use"]})
    assert created.status_code == 201 and created.json["version"] == 1 and created.json["author"] == "Ana"
    note = created.json
    assert created.headers["Location"].endswith(f"{url}/{note['id']}")
    [change] = pull(client, world["study"], cursor)["changes"]
    assert change["id"] == note["id"] and change["data"]["text"] == "I print it and retype it."

    cursor = pull(client, world["study"])["cursor"]
    edited = client.patch(f"{url}/{note['id']}", json={"version": 1, "kind": "breakdown", "tags": []})
    assert edited.status_code == 200 and edited.json["version"] == 2
    [change] = pull(client, world["study"], cursor)["changes"]
    assert (change["version"], change["data"]["kind"], change["data"]["tags"]) == (2, "breakdown", [])
    assert change["data"]["text"] == "I print it and retype it."  # fields not sent stay as they were

    cursor = pull(client, world["study"])["cursor"]
    assert client.delete(f"{url}/{note['id']}", query_string={"version": 2}).status_code == 204
    [change] = pull(client, world["study"], cursor)["changes"]
    assert change["deleted"] is True and change["version"] == 3
    assert client.get(f"{url}/{note['id']}").status_code == 404
    with client.application.app_context():
        assert db.session.scalar(select(Revision.data).where(
            Revision.observation_id == uuid.UUID(note["id"]), Revision.version == 2))["kind"] == "breakdown"


def test_a_stale_version_is_a_409_with_the_note_as_it_is_now(client, world):
    url = f"{NOTES.format(world['study'])}/{world['notes'][0]}"
    assert client.patch(url, json={"version": 1, "text": "First edit"}).status_code == 200
    for stale in (client.patch(url, json={"version": 1, "text": "Lost edit"}),
                  client.delete(url, query_string={"version": 1})):
        assert stale.status_code == 409
        assert stale.json["current"]["version"] == 2 and stale.json["current"]["text"] == "First edit"
    assert client.get(url).json["text"] == "First edit"


def test_refusals_write_nothing(client, world):
    url = NOTES.format(world["study"])
    cases = [({"kind": "quote", "text": "x", "author_id": 1}, "author_id"),
             ({"kind": "gossip", "text": "x"}, "kind"),
             ({"kind": "quote", "text": "a\u202eb"}, "text"),
             ({"kind": "quote", "text": "x", "touchpoint_id": world["other_stage"]}, "touchpoint_id"),
             ({"kind": "quote", "text": "x", "tags": ["ok", ""]}, "tags")]
    for body, field in cases:
        answer = client.post(url, json=body)
        assert answer.status_code == 422 and field in answer.json["errors"], (body, answer.json)
    answer = client.patch(f"{url}/{world['notes'][1]}", json={"version": 1, "visit_id": "3"})
    assert answer.status_code == 422 and answer.json["errors"] == {"visit_id": ["Not a valid integer."]}
    same = client.patch(f"{url}/{world['notes'][1]}",
                        json={"version": 1, "kind": "observation", "tags": ["paper"]})
    assert same.status_code == 200 and same.json["version"] == 1  # what it holds already: no new version
    with client.application.app_context():
        assert db.session.query(Observation).count() == 23
        assert db.session.get(Observation, uuid.UUID(world["notes"][1])).version == 1


def switch(auth, email):
    auth.logout()
    auth.login(email)


def test_the_permission_module_decides_as_for_the_pages(client, auth, world):
    url = NOTES.format(world["study"])
    note = f"{url}/{world['notes'][2]}"
    auth.logout()
    assert client.get(url).status_code == 401
    switch(auth, "otto@example.org")
    assert client.get(url).status_code == 404 and client.get(note).status_code == 404
    switch(auth, "vic@example.org")
    assert client.get(url).status_code == 403
    assert client.post(url, json={"kind": "quote", "text": "x"}).status_code == 403
    assert client.patch(note, json={"version": 1, "text": "x"}).status_code == 403
    switch(auth, "ana@example.org")
    anas = f"{url}/{client.post(url, json={'kind': 'quote', 'text': 'By Ana'}).json['id']}"
    switch(auth, "dee@example.org")
    assert client.post(url, json={"kind": "quote", "text": "x"}).status_code == 403  # designers do not capture
    assert client.patch(note, json={"version": 1, "text": "Tidied"}).status_code == 200
    switch(auth, "rui@example.org")
    own = client.post(url, json={"kind": "quote", "text": "Mine"}).json
    assert client.patch(f"{url}/{own['id']}", json={"version": 1, "text": "Mine, edited"}).status_code == 200
    assert client.patch(anas, json={"version": 1, "text": "Not mine"}).status_code == 403
    assert client.delete(anas, query_string={"version": 1}).status_code == 403
    switch(auth, "ana@example.org")
    assert client.get(f"{NOTES.format(world['other'])}/{world['notes'][2]}").status_code == 404


def test_a_search_with_no_count_kept_lists_every_match_once_whether_few_or_many(app, client, auth):
    """The API's list has no count of its own. A search is walked newest first through a budget of notes (for a page
    of 50 among 600 notes, 245), and if the page is not full by then, found and sorted: a word on ten of the oldest
    notes or on half of them, the same notes newest first either way, page by page. (At 1M notes a word no note has
    was walked through every note: 2.4 s.) Once the browse page has counted them, few are found at once."""
    with app.app_context():
        ana = make_user("ana@example.org", "Ana")
        study = make_study(ana)
        for start in range(0, 600, 200):
            make_observations(study, ana, [
                {"text": f"Note {i}" + (" busy" if i % 2 else "") + (" rare" if i < 10 else ""),
                 "captured_at": f"2026-{1 + i // 60:02}-{1 + i % 28:02}T{i % 24:02}:00:00+00:00"}
                for i in range(start, start + 200)])
        newest_first = select(Observation.id, Observation.text).where(Observation.study_id == study.id).order_by(
            Observation.captured_at.desc(), Observation.id.desc())
        expected = {word: [str(i) for i, text in db.session.execute(newest_first) if word in text.split()]
                    for word in ("busy", "rare")}
        study_id, dialect = study.id, db.engine.dialect.name
    auth.login("ana@example.org")
    assert (len(expected["busy"]), len(expected["rare"])) == (300, 10)
    for counted in (False, True):  # then with the browse page's count kept: few are found at once
        for word, walked, found in (("busy", True, False), ("rare", not counted, True)):
            if counted:
                client.get(f"/studies/{study_id}/notes", query_string={"q": word})
            sent = statements_during(app, lambda: client.get(NOTES.format(study_id), query_string={"q": word}),
                                     lambda statement: "FROM observation" in statement and "LIMIT" in statement)
            if dialect == "postgresql":  # the walk first; the finding only when the walk's page is not full
                assert ["AS walk" in s for s in sent] == [True] * walked + [False] * found, (counted, sent)
            for limit in (50, 7):
                assert all_pages(client, NOTES.format(study_id), q=word, limit=limit) == expected[word], (word, limit)
