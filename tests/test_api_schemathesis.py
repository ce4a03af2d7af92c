"""Schemathesis against the running app: cases generated from the OpenAPI document, every answer checked
against it. No 5xx, no body that breaks its schema, no status the document does not list.

The app runs in-process (schemathesis's WSGI transport), as a script would call it: with the study
owner's read-and-write personal access token (its rate limit raised, so the fuzz is not throttled). Most cases
aim at the seeded study and its notes, so they get past the 404 into the real code; half of the
updates and deletes name the version the note is at, so writes are applied, not only refused. Half
the cases are schemathesis's negative ones (input the document forbids), which must be refused, never a 5xx.
`make fuzz` raises the count (API_FUZZ_EXAMPLES, 5,000 there). A smaller run with a read-only token
checks that no write ever succeeds with it.
"""
import os
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import select

from fieldnotes.auth import access_tokens
from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Study
from tests.boards_world import build
from tests.factories import make_observations

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "500"))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
ONE_NOTE = "/api/v1/studies/{study_id}/notes/{note_id}"
WRITES = ["POST", "PATCH", "PUT", "DELETE"]


def owner_token(app, access):
    """The owner's token for `access` (read or write), as the Authorization header; no throttling in the fuzz."""
    app.config["API_TOKEN_RATE_LIMIT"] = 10**9
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == "owner@example.org"))
        _, token = access_tokens.create(owner, f"fuzz {access}", access, 7)
        db.session.commit()
    return {"Authorization": f"Bearer {token}"}


def test_the_document_and_its_page_answer_without_a_token_and_with_one(app, client):
    build(app)
    token = owner_token(app, "read")
    for path in ("/api/v1/openapi.json", "/api/v1/docs"):
        assert client.get(path).status_code == 200
        assert client.get(path, headers=token).status_code == 200
    assert client.get("/api/v1/studies").status_code == 401


def test_generated_requests_get_answers_the_document_promises(app):
    world = build(app)
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == "owner@example.org"))
        make_observations(db.session.get(Study, world["study"]), owner, [
            {"kind": "quote", "text": f"Generated cases edit and delete this note, number {i}.", "tags": ["seed"]}
            for i in range(20)])
        note_ids = [str(i) for i in db.session.scalars(select(Observation.id).where(
            Observation.study_id == world["study"]))]
    token = owner_token(app, "write")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.validate()  # against the OpenAPI 3.1 meta-schema
    on_study = {"study_id": world["study"]}
    on_notes = [{**on_study, "note_id": note_id} for note_id in note_ids]

    def cases(mode, checks):
        on_a_note = [schema[ONE_NOTE][method].as_strategy(mode, path_parameters=ids)
                     for method in ("GET", "PATCH", "DELETE") for ids in on_notes]
        # A third each: any route on the study, any route with any ids (mostly not found), a seeded note.
        return st.one_of(schema.as_strategy(mode, path_parameters=on_study), schema.as_strategy(mode),
                         st.sampled_from(on_a_note).flatmap(lambda one: one)).map(lambda case: (case, checks))

    # Negative cases break the document on purpose (a wrong type, a missing field): any 4xx may answer
    # them, so only "no 5xx" and "the body fits its documented schema" apply.
    strategy = st.one_of(cases(GenerationMode.POSITIVE, CHECKS), cases(GenerationMode.NEGATIVE, CHECKS[:2]))
    answered = []

    @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    @given(case_and_checks=strategy, at_current_version=st.booleans())
    def check(case_and_checks, at_current_version):
        case, checks = case_and_checks
        if at_current_version and case.method in ("PATCH", "DELETE") and case.path == ONE_NOTE:
            name_current_version(app, case)
        response = as_a_script(case, token)
        answered.append(response.status_code)
        case.validate_response(response, checks=checks)

    check()
    assert len(answered) >= min(EXAMPLES, 500)
    # It reached writes and refusals. Whether 500 cases also meet a stale version depends on which seeded
    # note each draws (their ids are new each run), so the 409 is checked where it is certain:
    # tests/test_api_notes.py::test_a_stale_version_is_a_409_with_the_note_as_it_is_now.
    assert {200, 201, 204, 400, 404, 422} <= set(answered)


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_a_read_only_token_never_changes_anything(app, mode):
    world = build(app)
    token = owner_token(app, "read")
    writes = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app).include(method=WRITES)
    answered = []

    @settings(max_examples=25, derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(case=st.one_of(writes.as_strategy(mode, path_parameters={"study_id": world["study"]}),
                          writes.as_strategy(mode)))
    def check(case):
        response = as_a_script(case, token)
        answered.append((case.method, response.status_code))
        case.validate_response(response, checks=[not_a_server_error])
        assert not 200 <= response.status_code < 300, (case.method, case.path, response.status_code)

    check()
    assert len(answered) >= 20 and {method for method, _ in answered} >= {"POST", "PATCH", "DELETE"}
    assert 403 in {status for _, status in answered}


def as_a_script(case, token):
    """Call with the token alone: schemathesis may also fill in the document's other scheme, the session
    cookie, and a request with both is refused (400) before it reaches the route."""
    case.cookies = {}
    # Identity: the WSGI transport hands back the bytes as sent, and JSON over 1 kB is gzipped for
    # clients that accept it (a script's HTTP library undoes it; tests/test_static.py checks the gzip).
    return case.call(headers={**token, "Accept-Encoding": "identity"})


def name_current_version(app, case):
    try:
        note_id = uuid.UUID(str(case.path_parameters["note_id"]))
    except ValueError:
        return  # a negative case's id: not a note's
    with app.app_context():
        note = db.session.get(Observation, note_id)
        version = note.version if note else 1
    if case.method == "DELETE":
        case.query = {**(case.query or {}), "version": version}
    elif isinstance(case.body, dict):
        case.body = {**case.body, "version": version}
