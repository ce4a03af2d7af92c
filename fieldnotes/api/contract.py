"""What each API route takes and answers, declared once with its schemas: checked on the way in, and
read back by spec.py to write the OpenAPI document, so the two cannot drift apart.

A route says `@operation(ok=(200, NoteSchema), needs="edit_notes", body=..., errors=(409,))`. The
permission module decides first (studies/permissions.py: 404 to non-members, 403 to a role without
the right), so nobody learns a study's shapes by probing it; then the view receives `membership`,
`query` and `body` loaded by their schemas. A body or query that does not fit is a ValidationError,
which errors.py answers with 422 and the field messages; nothing has been written by then.
"""
import functools
from dataclasses import dataclass, field

from flask import request
from marshmallow import fields

from fieldnotes.forms import json_body
from fieldnotes.studies.permissions import RULES, StudyRole, require

# Every route may answer these: a token in the address or beside a session cookie (auth/access_tokens.check_request
# runs before every /api/v1 view, public ones too), not signed in or a bad token (unless public), too many requests.
ALWAYS, PUBLIC_ALWAYS = (400, 401, 429), (400, 429)
WHY = {400: "A token in the address (send it only as Authorization: Bearer ...), or a token and a session cookie "
            "both; or the body is not valid JSON, or not an object. Nothing was written.",
       401: "No valid session or bearer token.",
       403: "Your role in this study does not allow this.",
       404: "No such study or thing in it, or you are not a member (indistinguishable on purpose).",
       409: "Someone changed the note since the version you sent, or (adding one) a different note has the "
            "id you gave; `current` is the note as it is now. Nothing was written.",
       415: "The body is not JSON (send Content-Type: application/json).",
       422: "A field or query parameter is not valid; `errors` says which and why. Nothing was written.",
       429: "Too many requests; wait as Retry-After says."}


@dataclass
class Operation:
    ok: tuple                       # (status, schema or None for an empty answer)
    needs: str | None = None        # the permission (studies/permissions.py) on the path's study
    query: object = None            # a Schema instance whose fields are query parameters
    body: object = None             # a Schema instance for the JSON body
    errors: tuple = ()              # statuses besides ALWAYS
    examples: dict = field(default_factory=dict)  # {"request": {...}}
    public: bool = False            # no sign-in needed (the document and its page)
    media_type: str = "application/json"

    def statuses(self):
        extra = (400, 415, 422) if self.body is not None else ((422,) if self.query is not None else ())
        if self.needs:
            extra += (404,) if RULES[self.needs] == set(StudyRole) else (403, 404)
        always = PUBLIC_ALWAYS if self.public else ALWAYS
        return sorted({*self.errors, *extra, *always})

    def roles(self):
        return [role.value for role in StudyRole if role in RULES[self.needs]] if self.needs else []


def operation(ok, needs=None, query=None, body=None, errors=(), examples=None, public=False,
              media_type="application/json"):
    """Declare a view's contract; the view gets `membership=` (when it `needs` a permission), and
    `query=` and/or `body=` loaded by those schemas."""
    described = Operation(ok, needs, query, body, tuple(errors), examples or {}, public, media_type)

    def wrap(view):
        @functools.wraps(view)
        def checked(*args, **kwargs):
            if needs is not None:
                kwargs["membership"] = require(kwargs["study_id"], needs)
            if query is not None:
                kwargs["query"] = query.load(query_values(query))
            if body is not None:
                kwargs["body"] = body.load(json_body())
            return view(*args, **kwargs)
        checked.api_operation = described
        return checked
    return wrap


def query_values(schema):
    """The query string as the schema reads it: lists for list fields, one value for the others.

    Unknown parameters stay in, so the schema refuses them by name (a typo is an error, not a
    silently wider result).
    """
    values = {}
    for name in request.args:
        declared = schema.fields.get(name) or next(
            (f for f in schema.fields.values() if f.data_key == name), None)
        values[name] = request.args.getlist(name) if isinstance(declared, fields.List) else request.args.get(name)
    return values
