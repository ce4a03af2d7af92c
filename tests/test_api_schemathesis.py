"""Schemathesis against the running app: cases generated from the OpenAPI document, every answer checked
against it. No 5xx, no body that breaks its schema, no status the document does not list.

The app runs in-process (schemathesis's WSGI transport), signed in as the study's owner. Most cases
aim at the seeded study and its notes, so they get past the 404 into the real code; half of the
updates and deletes name the version the note is at, so writes are applied, not only refused. Half
the cases are schemathesis's negative ones (input the document forbids), which must be refused, never a 5xx.
`make fuzz` raises the count (API_FUZZ_EXAMPLES, 5,000 there).
"""
import os
import uuid

import schemathesis
from hypothesis import HealthCheck, given, settings, strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlalchemy import select

from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Study
from tests.boards_world import build
from tests.factories import make_observations

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "500"))
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]
ONE_NOTE = "/api/v1/studies/{study_id}/notes/{note_id}"


def test_generated_requests_get_answers_the_document_promises(app, client, auth):
    world = build(app)
    with app.app_context():
        owner = db.session.scalar(select(User).where(User.email == "owner@example.org"))
        make_observations(db.session.get(Study, world["study"]), owner, [
            {"kind": "quote", "text": f"Generated cases edit and delete this note, number {i}.", "tags": ["seed"]}
            for i in range(20)])
        note_ids = [str(i) for i in db.session.scalars(select(Observation.id).where(
            Observation.study_id == world["study"]))]
    auth.login("owner@example.org")
    session = client.get_cookie("session")
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
        response = case.call(cookies={session.key: session.value})
        answered.append(response.status_code)
        case.validate_response(response, checks=checks)

    check()
    assert len(answered) >= min(EXAMPLES, 500)
    assert {200, 201, 204, 400, 404, 409, 422} <= set(answered)  # it reached writes, refusals and conflicts


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
