"""The permission matrix: every route, as every kind of visitor (ASVS 8.2, Datasette's check).

For each route in tests/permission_matrix.py and each actor, a fresh database
gets the same study, and the actor makes the request. A route missing from the
matrix fails test_every_route_is_in_the_matrix, so new routes come with their row.
"""
import hashlib
import uuid

import pytest
from sqlalchemy import select

from fieldnotes import create_app
from fieldnotes.auth.service import create_invite, create_user
from fieldnotes.extensions import db
from fieldnotes.observations.models import Attachment, MediaStatus
from fieldnotes.observations.storage import stored_path
from fieldnotes.studies.models import Tag
from fieldnotes.observations import changes
from fieldnotes.workshops import service as workshops
from tests.conftest import TEST_CONFIG, AuthActions, empty_postgres
from tests.factories import make_observation, make_participant, make_study, make_user, make_visit
from tests.permission_matrix import ACTORS, EXCLUDED_PREFIXES, LOGIN, MATRIX
from tests.transcripts_world import interview_recording

SIGN_IN_TABLES = {"login_session", "failed_login"}
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 60
MEMBER_ROLES = ("owner", "researcher", "designer", "viewer")


def build_world(app):
    """One study with a member of each role, an outsider and everything the URLs name; returns the ids."""
    with app.app_context():
        users = {role: make_user(f"{role}@example.org") for role in (*MEMBER_ROLES, "non_member", "extra")}
        study = make_study(users["owner"], researcher=[users["researcher"], users["extra"]],
                           designer=users["designer"], viewer=users["viewer"])
        membership = next(m for m in study.memberships if m.user is users["extra"])
        invited = create_user("new@example.org", "new")
        db.session.flush()
        invite = create_invite(invited)
        tag = Tag(study=study, name="re-keying")
        db.session.add(tag)
        db.session.commit()
        participant = make_participant(study)
        visit = make_visit(study, participants=[participant])
        pending, verified = uuid.uuid4(), uuid.uuid4()
        media = [{"id": str(m), "slot": "photo", "sha256": hashlib.sha256(JPEG).hexdigest(),
                  "size": len(JPEG), "mime": "image/jpeg"} for m in (pending, verified)]
        note = make_observation(study, users["researcher"], media=media)
        changes.current_epoch()  # made on the first sync call of any kind, GET or not
        db.session.commit()
        stored = db.session.get(Attachment, verified)
        stored.status, stored.offset = MediaStatus.VERIFIED, len(JPEG)
        db.session.commit()
        path = stored_path(stored.sha256)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(JPEG)
        recording = interview_recording(study, visit, users["researcher"])
        workshop = workshops.start(study.id, users["owner"].id, "Wall", "evenly", [note.id], {})
        db.session.commit()
        return {"workshop": workshop.id, "study": study.id, "touchpoint": study.touchpoints[0].id,
                "membership": membership.id, "invite": invite, "tag": tag.id, "visit": visit.id,
                "participant": participant.id, "note": note.id, "media": pending, "verified": verified,
                "recording": recording}


def routes(app):
    """(endpoint, method, rule) for every route the matrix must cover."""
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(EXCLUDED_PREFIXES):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, rule


def probe_app(testing=True):
    return create_app({**TEST_CONFIG, "TESTING": testing, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


CASES = [pytest.param(endpoint, i, id=f"{endpoint}-{request['method']}")
         for endpoint, requests in MATRIX.items() for i, request in enumerate(requests)]


def test_every_route_is_in_the_matrix():
    app = probe_app()
    world = {name: 1 for name in ("study", "touchpoint", "membership", "tag", "visit", "participant", "workshop")}
    world.update(invite="token", note=uuid.uuid4(), media=uuid.uuid4(), verified=uuid.uuid4(), recording=uuid.uuid4())
    adapter = app.url_map.bind("localhost")
    missing = []
    for endpoint, method, rule in routes(app):
        entry = [r for r in MATRIX.get(endpoint, []) if r["method"] == method]
        if not entry:
            missing.append(f"{method} {rule.rule} ({endpoint})")
            continue
        url = entry[0]["url"].format(**world)
        assert adapter.match(url.split("?")[0], method=method)[0] == endpoint, url
    assert not missing, "Add these routes to tests/permission_matrix.py: " + "; ".join(missing)


def test_the_matrix_names_only_real_routes():
    app = probe_app()
    real = {(endpoint, method) for endpoint, method, _ in routes(app)}
    stale = [(e, r["method"]) for e, requests in MATRIX.items() for r in requests if (e, r["method"]) not in real]
    assert not stale


def test_test_hooks_exist_only_when_testing():
    """Why the matrix may leave /api/_test/ out: outside TESTING those routes are not there."""
    assert any(r.rule.startswith("/api/_test/") for r in probe_app(testing=True).url_map.iter_rules())
    assert not any(r.rule.startswith("/api/_test/") for r in probe_app(testing=False).url_map.iter_rules())


def send(client, request, world):
    kwargs = {k: request[k] for k in ("data", "json", "headers") if k in request}
    return client.open(request["url"].format(**world), method=request["method"], **kwargs)


def snapshot(app):
    """Every row of every table but the sign-in records: what a fresh world holds."""
    with app.app_context():
        return {table.name: sorted(map(repr, db.session.execute(select(table)).all()))
                for table in db.metadata.sorted_tables if table.name not in SIGN_IN_TABLES}


def reset(app, database_url):
    with app.app_context():
        if database_url.startswith("sqlite"):
            db.drop_all()
            db.create_all()
        else:
            db.session.remove()
            empty_postgres(database_url)


def check(response, expected, api):
    """None when `response` is what the matrix expects, else what went wrong."""
    if expected == LOGIN:
        where = response.headers.get("Location", "").split("?")[0]
        return None if (response.status_code, where) == (302, "/login") else f"{response.status_code} {where}"
    if response.status_code != expected:
        return f"{response.status_code}: {response.get_data(as_text=True)[:300]}"
    if api and expected in {401, 403, 404} and response.json["code"] != expected:
        return f"JSON body {response.json}"
    return None


@pytest.mark.parametrize("endpoint, index", CASES)
def test_permission_matrix(app, database_url, endpoint, index):
    """Each actor in turn, each on fresh data: the world is rebuilt whenever a request changed it.

    For GET requests that would be a state change on GET, which fails the test instead.
    """
    request = MATRIX[endpoint][index]
    world = build_world(app)
    fresh = snapshot(app)
    wrong = {}
    for actor in ACTORS:  # the owner, who can change most, comes last
        client = app.test_client()
        if actor != "anonymous":
            assert AuthActions(client).login(f"{actor}@example.org").status_code == 303
        response = send(client, request, world)
        response.close()
        problem = check(response, request["expect"][actor], request["url"].startswith("/api/"))
        if problem:
            wrong[actor] = problem
        if snapshot(app) != fresh:
            assert request["method"] != "GET", f"GET {request['url']} as {actor} changed the database"
            reset(app, database_url)
            world = build_world(app)
            fresh = snapshot(app)
    assert not wrong, f"{request['method']} {request['url']}: {wrong}"
