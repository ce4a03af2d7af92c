"""The OpenAPI 3.1 document, written from the routes themselves: every /api/v1 rule in the app's URL map,
its contract (contract.py: schemas, statuses, examples) and its docstring. Built once per app."""
import re

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from flask import current_app

from fieldnotes.api.contract import WHY, Operation
from fieldnotes.api.schemas import ConflictSchema, ErrorSchema
from fieldnotes.forms import DB_INT_MAX
from fieldnotes.version import APP_VERSION

API_VERSION = 1  # of the paths and their contract; the server's own version is info.version
PREFIX = f"/api/v{API_VERSION}"
PATH_ARGUMENT = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
CONVERTERS = {"id": {"type": "integer", "minimum": 1, "maximum": DB_INT_MAX},
              "uuid": {"type": "string", "format": "uuid"}}
DESCRIPTION = """Fieldnotes' JSON API for scripts, version 1 (every path starts /api/v1; `info.version` is the
server's own version). Authenticate with a personal access token
(`Authorization: Bearer ...`, made on your account page) or a signed-in session. Every error has one
shape: `{code, message, description[, errors]}`. Lists of notes are paged by cursor: follow `next`."""


def document():
    """The OpenAPI document (a dict), built on first use and kept with the app."""
    cache = current_app.extensions.setdefault("api", {})
    if "spec" not in cache:
        cache["spec"] = build().to_dict()
    return cache["spec"]


def build():
    spec = APISpec(title="Fieldnotes API", version=APP_VERSION, openapi_version="3.1.0", plugins=[MarshmallowPlugin()],
                   info={"description": DESCRIPTION}, security=[{"bearer": []}, {"session": []}])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer",
                                               "description": "A personal access token."})
    spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie",
                                                "name": current_app.config["SESSION_COOKIE_NAME"],
                                                "description": "The browser's signed-in session."})
    spec.components.schema("Error", schema=ErrorSchema)
    spec.components.schema("Conflict", schema=ConflictSchema)
    for path, (parameters, operations) in sorted(api_operations().items()):
        spec.path(path=path, parameters=parameters, operations=operations)
    return spec


def api_operations():
    """{OpenAPI path: (path parameters, {method: operation})} for every API rule in the URL map."""
    paths = {}
    for rule in current_app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX):
            continue
        view = current_app.view_functions[rule.endpoint]
        # A route without a declared contract is still listed (a 200 of unknown shape), so the document
        # never fails to build; tests/test_api_openapi.py asks every route to declare one.
        contract = getattr(view, "api_operation", None) or Operation(ok=(200, None))
        parameters = [{"in": "path", "name": name, "required": True, "schema": dict(CONVERTERS[converter])}
                      for converter, name in PATH_ARGUMENT.findall(rule.rule)]
        _, operations = paths.setdefault(PATH_ARGUMENT.sub(r"{\2}", rule.rule), (parameters, {}))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            operations[method.lower()] = describe(rule, view, contract)
    return paths


def describe(rule, view, contract):
    summary, _, details = (view.__doc__ or "").strip().partition("\n")
    who = f" Members who may: {', '.join(contract.roles())}." if contract.needs else ""
    operation = {"operationId": rule.endpoint.removeprefix("api."), "summary": summary.strip(),
                 "description": (" ".join(details.split()) + who).strip(), "tags": [tag_of(rule.rule)],
                 "responses": responses(contract)}
    if contract.public:
        operation["security"] = []
    if contract.query is not None:
        operation["parameters"] = [{"in": "query", "schema": contract.query}]
    if contract.body is not None:
        content = {"schema": contract.body}
        if "request" in contract.examples:
            content["example"] = contract.examples["request"]
        operation["requestBody"] = {"required": True, "content": {"application/json": content}}
    return operation


def responses(contract):
    status, schema = contract.ok
    ok = {"description": "OK" if status == 200 else "Created" if status == 201 else "Done"}
    if schema is not None:
        ok["content"] = {contract.media_type: {"schema": schema}}
    elif contract.media_type != "application/json":  # a file or a page: its type says what comes
        ok["content"] = {contract.media_type: {}}
    answers = {str(status): ok}
    for code in contract.statuses():
        error = "Conflict" if code == 409 else "Error"
        answers[str(code)] = {"description": WHY[code],
                              "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{error}"}}}}
    return answers


def tag_of(path):
    """Group operations by what they are about: the path's last fixed word after the study."""
    words = [w for w in path.removeprefix(PREFIX).split("/") if w and not w.startswith("<")]
    return words[1] if len(words) > 1 else words[0] if words else "api"
