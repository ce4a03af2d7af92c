"""The OpenAPI document: valid 3.1, every /api/v1 route in it with its answers, and a readable page of it."""
import re

import schemathesis

PATH_ARGUMENT = re.compile(r"<(?:\w+:)?(\w+)>")


def test_the_document_is_valid_openapi_3_1(app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.validate()  # raises on anything the OpenAPI 3.1 meta-schema refuses
    assert schema.raw_schema["openapi"] == "3.1.0"


def test_every_api_route_and_method_is_documented_with_its_errors(app, client):
    document = client.get("/api/v1/openapi.json").json
    routes = {(PATH_ARGUMENT.sub(r"{\1}", rule.rule), method.lower())
              for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    documented = {(path, method) for path, item in document["paths"].items() for method in item
                  if method != "parameters"}
    assert routes == documented
    undeclared = [rule.endpoint for rule in app.url_map.iter_rules() if rule.rule.startswith("/api/v1/")
                  and not hasattr(app.view_functions[rule.endpoint], "api_operation")]
    assert undeclared == [], "declare each route's contract with @operation (fieldnotes/api/contract.py)"
    for path, method in routes:
        operation = document["paths"][path][method]
        assert operation["summary"], (path, method)
        answers = operation["responses"]
        assert "429" in answers and "400" in answers  # a token in the address is refused on every route
        if operation.get("security") != []:
            assert "401" in answers
        if "{study_id}" in path:
            assert "404" in answers
    note = document["paths"]["/api/v1/studies/{study_id}/notes/{note_id}"]
    assert note["patch"]["responses"]["409"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Conflict"}
    assert {"400", "415", "422"} <= set(note["patch"]["responses"])
    listing = document["paths"]["/api/v1/studies/{study_id}/notes"]["get"]
    assert {p["name"] for p in listing["parameters"]} == {
        "visit", "participant", "author", "tag", "role", "touchpoint", "organisation", "kind", "media", "from", "to",
        "attention", "q", "order", "after", "limit"}
    assert "real_name" not in str(document["components"]["schemas"]["Participant"])


def test_the_docs_page_shows_paths_parameters_schemas_and_examples(client):
    page = client.get("/api/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    for words in ("PATCH /api/v1/studies/{study_id}/notes/{note_id}", "<code>after</code>", "NoteCreate",
                  "I print it and retype it into the portal.", "Members who may: owner, researcher, designer."):
        assert words in html, words
    assert "<script" not in html.split("</header>")[1]
