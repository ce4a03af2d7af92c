"""Reading what a request carries: form posts (with the same marshmallow schemas the API uses),
JSON bodies, and numbers typed into URLs and forms."""
from flask import abort, current_app, request
from flask.json.provider import DefaultJSONProvider
from marshmallow import ValidationError

DB_INT_MAX = 2_147_483_647  # the largest id or version an integer column holds (PostgreSQL's integer)
# Our deepest body is a push: batch, mutations, mutation, data, media, item. Past this it is not ours,
# and Python's parser would hit its recursion limit (a 500) near 1,000.
MAX_JSON_DEPTH = 32
PARSED = "fieldnotes.parsed_json"  # the request's body as parsed once (parsed_json)


def load_form(schema, **kwargs):
    """Return (data, errors) for the posted form; errors map field names to messages.

    Browsers send empty inputs as "", which marshmallow would treat as a
    value; blank optional fields are dropped so their defaults apply.
    """
    form = {}
    for key in request.form:
        values = [v for v in request.form.getlist(key) if v.strip()]
        if key in getattr(schema, "list_fields", ()):
            form[key] = values
        elif values:
            form[key] = values[0]
    try:
        return schema.load(form, **kwargs), {}
    except ValidationError as error:
        return None, {k: [specific(m) for m in (v if isinstance(v, list) else [str(v)])]
                      for k, v in error.messages.items()}


def specific(message):
    # marshmallow's wording speaks of "data"; people filling in a form left a field empty.
    return "This is required: fill it in." if message == "Missing data for required field." else message


def whole_number(raw, low=0, high=DB_INT_MAX):
    """The int that `raw` spells in ASCII digits, within [low, high]; else None.

    str.isdigit() also says yes to "²" and "١٢", which int() then refuses or reads;
    only 0-9 are numbers here, and none past what the database column holds.
    """
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw) > len(str(high)):
        return None
    value = int(raw)
    return value if low <= value <= high else None


class NestedTooDeep(ValueError):
    """A JSON document nested deeper than any the app takes."""


def nesting_depth(value):
    """How deeply lists and objects nest in a parsed document (0 for a plain value); no recursion.

    Level by level, visiting only the containers (a parsed document's are exactly dict and list): a push's
    body is walked on every push, and visiting each string and number was most of the walk's cost."""
    depth, level = 0, [value] if type(value) in CONTAINERS else []
    while level and depth <= MAX_JSON_DEPTH:
        depth += 1
        below = []
        for item in level:
            below.extend([child for child in (item.values() if type(item) is dict else item)
                          if type(child) in CONTAINERS])
        level = below
    return depth


CONTAINERS = (dict, list)


class BoundedJSON(DefaultJSONProvider):
    """Flask's JSON, but a document nested too deeply is a ValueError (a 400), never a RecursionError (a 500).

    Every request.get_json goes through here, so no JSON endpoint can be crashed by nesting.
    """

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_constant", not_json)
        try:
            value = super().loads(s, **kwargs)
        except RecursionError:
            value = None
        else:
            if nesting_depth(value) <= MAX_JSON_DEPTH:
                return value
        raise NestedTooDeep(f"it nests lists or objects more than {MAX_JSON_DEPTH} levels deep")


def not_json(constant):
    # Python's parser takes NaN and Infinity; JSON has neither, and int(Infinity) is an OverflowError.
    raise ValueError(f"{constant} is not a JSON number")


def json_body():
    """The request's JSON object, or the right 4xx: 415 not JSON, 400 unreadable (saying why) or not an object."""
    if not request.is_json:
        abort(415, "Send JSON (Content-Type: application/json).")
    try:
        body = parsed_json()
    except ValueError as error:  # json's errors, UnicodeDecodeError and NestedTooDeep are all ValueErrors
        abort(400, f"The body is not valid JSON: {error}.")
    if not isinstance(body, dict):
        abort(400, "The body must be a JSON object.")
    return body


def parsed_json():
    """The request's body as JSON, parsed once a request: a push's body is read before the view, to sign in
    and read its device in one statement (sync/devices.py), and by the view. Raises ValueError (kept
    too) when it is not JSON; the callers decide what that answers."""
    # Kept in the request's environ, not in g: g belongs to the app context, which a request made inside
    # another one (a CLI command's, a test's) shares with every other request made there.
    if PARSED not in request.environ:
        try:
            request.environ[PARSED] = (current_app.json.loads(request.get_data(cache=True)), None)
        except ValueError as error:
            request.environ[PARSED] = (None, error)
    body, error = request.environ[PARSED]
    if error is not None:
        raise error
    return body
