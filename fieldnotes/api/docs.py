"""The API's document and its readable page, both served by the app (no CDN, no script): the page is the
OpenAPI document rendered as HTML on the server."""
import json

from flask import render_template

from fieldnotes.api import bp
from fieldnotes.api.contract import operation
from fieldnotes.api.spec import API_VERSION, document

METHODS = ("get", "post", "patch", "put", "delete")


@bp.get("/openapi.json")
@operation(ok=(200, None), public=True)
def openapi():
    """This API's OpenAPI 3.1 document."""
    return document()


@bp.get("/docs")
@operation(ok=(200, None), public=True, media_type="text/html")
def docs():
    """This API's documentation as a page: every path, its parameters, body, answers and schemas."""
    spec = document()
    return render_template("api/docs.html", spec=spec, api_version=API_VERSION, operations=list(readable_operations(spec)),
                           schemas={name: properties(schema) for name, schema in
                                    sorted(spec["components"]["schemas"].items())})


def readable_operations(spec):
    for path, item in spec["paths"].items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            yield {"method": method.upper(), "path": path, "id": op["operationId"], "summary": op["summary"],
                   "description": op.get("description", ""), "public": op.get("security") == [],
                   "parameters": [parameter_row(p) for p in item.get("parameters", []) + op.get("parameters", [])],
                   "body": type_of(body["schema"]) if body else None,
                   "example": json.dumps(body["example"], indent=2) if "example" in body else None,
                   "responses": [(code, answer["description"], response_type(answer))
                                 for code, answer in op["responses"].items()]}


def parameter_row(parameter):
    return {"name": parameter["name"], "in": parameter["in"], "type": type_of(parameter.get("schema", {})),
            "required": parameter.get("required", False), "description": parameter.get("description", "")}


def response_type(answer):
    content = answer.get("content", {})
    for media_type, body in content.items():
        return type_of(body["schema"]) if body.get("schema") else media_type
    return "no body"


def properties(schema):
    required = set(schema.get("required", []))
    return [{"name": name, "type": type_of(field), "required": name in required,
             "description": field.get("description", "")} for name, field in schema.get("properties", {}).items()]


def type_of(schema):
    """A JSON Schema in a few words: "array of Note", "integer or null", "one of: quote, breakdown"."""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema or "allOf" in schema:
        return " or ".join(type_of(s) for s in schema.get("anyOf", schema.get("allOf")))
    kinds = schema.get("type", "any")
    kinds = kinds if isinstance(kinds, list) else [kinds]
    words = []
    for kind in kinds:
        if kind == "array":
            words.append(f"array of {type_of(schema.get('items', {}))}")
        elif kind != "null" and "enum" in schema:
            words.append("one of: " + ", ".join(str(v) for v in schema["enum"] if v is not None))
        else:
            words.append(f"{kind} ({schema['format']})" if "format" in schema and kind != "null" else kind)
    return " or ".join(words)
