"""The shapes of a push batch and its mutations; unknown fields are refused (no mass assignment)."""
import re
import uuid
from datetime import UTC, datetime

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from fieldnotes.forms import DB_INT_MAX
from fieldnotes.observations.models import TEXT_MAX, Kind, Slot
from fieldnotes.sync.filetypes import ALLOWED, MAX_SIZE, canonical_mime
from fieldnotes.text import Plain, Text, clean_text, forbidden_characters

MAX_BATCH = 200
DB_INT = validate.Range(min=1, max=DB_INT_MAX)
# Fields that pull sends and a phone may echo back unchanged; they are the server's, never taken.
READ_ONLY = ("author", "synced_at", "client_time_suspect")


class StrictInt(fields.Integer):
    """An integer that is really one: not "5", not 5.0, not true."""

    def __init__(self, **kwargs):
        super().__init__(strict=True, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool):
            raise ValidationError("Not a valid integer.")
        return super()._deserialize(value, attr, data, **kwargs)


class Moment(fields.AwareDateTime):
    """A time with its UTC offset, kept as sent, but only one that exists in UTC.

    9999-12-31T23:59:59-05:00 is a valid ISO time whose UTC instant is in the year 10000:
    Python cannot hold it, so comparing or storing it failed (a 500 that sank a phone's batch).
    A wrong phone clock is still taken (and flagged); only a time no calendar here has is refused.
    """

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            moment.astimezone(UTC)
        except OverflowError:
            raise ValidationError("Not a time we can store: in UTC it must fall between the years 1 and 9999.") \
                from None
        return moment


class MediaSchema(Schema):
    id = fields.UUID(required=True)
    slot = fields.Enum(Slot, by_value=True, required=True)
    sha256 = fields.String(required=True, validate=validate.Regexp(r"^[0-9a-fA-F]{64}$"))
    size = StrictInt(required=True, validate=validate.Range(min=1))
    mime = Plain(required=True, validate=validate.Length(max=100))

    @validates_schema
    def check_type_and_size(self, data, **kwargs):
        slot = str(data["slot"])
        if data["size"] > MAX_SIZE[slot]:
            raise ValidationError(f"A {slot} may be at most {MAX_SIZE[slot] // 1024 // 1024} MB.", "size")
        if canonical_mime(data["mime"]) not in ALLOWED[slot]:
            raise ValidationError(f"Not a {slot} type we take: {', '.join(sorted(ALLOWED[slot]))}.", "mime")

    def load(self, data, **kwargs):
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k != "status"}
        loaded = super().load(data, **kwargs)
        loaded["sha256"] = loaded["sha256"].lower()
        loaded["mime"] = canonical_mime(loaded["mime"])
        return loaded


class MediaDeclarationSchema(MediaSchema):
    """POST /api/media: the same, plus the note it belongs to."""

    observation_id = fields.UUID(required=True)


class NoteDataSchema(Schema):
    study_id = StrictInt(required=True, validate=DB_INT)
    kind = fields.Enum(Kind, by_value=True, required=True)
    text = Text(required=True, validate=validate.Length(max=TEXT_MAX))
    expected = Text(load_default=None, allow_none=True, validate=validate.Length(max=TEXT_MAX))
    touchpoint_id = StrictInt(load_default=None, allow_none=True, validate=DB_INT)
    role_id = StrictInt(load_default=None, allow_none=True, validate=DB_INT)
    participant_id = StrictInt(load_default=None, allow_none=True, validate=DB_INT)
    visit_id = StrictInt(load_default=None, allow_none=True, validate=DB_INT)
    # Not a person's words or image (consent, visits/consent.py). Optional: phones before issue 9 omit it.
    no_person = fields.Boolean(load_default=False, truthy={True}, falsy={False})
    tags = fields.List(Text(validate=validate.Length(min=1, max=60)), load_default=list,
                       validate=validate.Length(max=50))
    captured_at = Moment(required=True)
    media = fields.List(fields.Nested(MediaSchema), load_default=list, validate=validate.Length(max=20))

    def load(self, data, **kwargs):
        if isinstance(data, dict):
            data = {k: v for k, v in data.items() if k not in READ_ONLY}
        return super().load(data, **kwargs)


class MutationSchema(Schema):
    mutation_id = fields.UUID(required=True)
    entity = fields.String(required=True, validate=validate.OneOf(["observation"]))
    entity_id = fields.UUID(required=True)
    op = fields.String(required=True, validate=validate.OneOf(["create", "update", "delete"]))
    base_version = StrictInt(load_default=None, allow_none=True, validate=validate.Range(min=0, max=DB_INT_MAX))
    # Checked separately: a delete carries none, the others the note's full data.
    data = fields.Dict(load_default=dict)
    client_time = Moment(load_default=None, allow_none=True)

    @validates_schema
    def check_base_version(self, data, **kwargs):
        if data["op"] == "update" and data["base_version"] is None:
            raise ValidationError("An update says which version it was based on.", "base_version")


class BatchSchema(Schema):
    device_id = fields.UUID(required=True)
    # The account the phone says made these mutations (phones before issue 9 do not say).
    account = StrictInt(load_default=None, allow_none=True, validate=DB_INT)
    # Items are checked one by one, so one bad item does not sink the batch.
    mutations = fields.List(fields.Raw(), required=True, validate=validate.Length(min=1))


# Built once: a schema holds no state between loads, and building one per
# mutation (copying its fields) cost more than the load itself.
MUTATION_SCHEMA, NOTE_DATA_SCHEMA = MutationSchema(), NoteDataSchema()


def load_mutation(raw):
    """(mutation, None) or (None, {field: [messages]}); data is loaded too unless it is a delete."""
    if not isinstance(raw, dict):
        return None, {"mutation": ["Not an object."]}
    mutation = plain_mutation(raw)
    if mutation is not None:
        return mutation, None
    try:
        mutation = MUTATION_SCHEMA.load(raw)
        if mutation["op"] != "delete":
            mutation["data"] = NOTE_DATA_SCHEMA.load(mutation["data"])
    except ValidationError as error:
        return None, flat_messages(error.messages)
    return mutation, None


def flat_messages(messages, prefix=""):
    """{"media": {0: {"size": [m]}}} -> {"media.0.size": [m]}: one level, as the phone shows them."""
    if isinstance(messages, list):
        return {prefix or "mutation": [str(m) for m in messages]}
    flat = {}
    for key, value in messages.items():
        flat.update(flat_messages(value, f"{prefix}.{key}" if prefix else str(key)))
    return flat


# --- The common case in plain code ---------------------------------------------------------------------
# A phone's usual mutation (a note with text, ids and tags, no media) checked without marshmallow, which cost
# a sixth of a push's CPU (issue 11, session 5). Whatever this code is not sure of, it leaves to the schemas
# above (None), which then accept it or say exactly what is wrong: the messages have one source. It takes
# only what they take, and makes what they make (tests/test_sync_plain_schema.py compares the two).

MUTATION_FIELDS = frozenset(MutationSchema().fields)
NOTE_FIELDS = frozenset(NoteDataSchema().fields)
NOTE_IDS = ("touchpoint_id", "role_id", "participant_id", "visit_id")
OPS = frozenset(("create", "update", "delete"))
KINDS = {kind.value: kind for kind in Kind}


def plain_mutation(raw):
    """The loaded mutation, as load_mutation's schemas make it, or None to leave it to them."""
    op = raw.get("op")
    if not raw.keys() <= MUTATION_FIELDS or raw.get("entity") != "observation" or type(op) is not str \
            or op not in OPS:
        return None
    mutation_id, entity_id = plain_uuid(raw.get("mutation_id")), plain_uuid(raw.get("entity_id"))
    base_version, client_time = raw.get("base_version"), raw.get("client_time")
    data = raw.get("data", {})
    if mutation_id is None or entity_id is None or type(data) is not dict:
        return None
    if base_version is not None and not plain_int(base_version, 0):
        return None
    if base_version is None and raw["op"] == "update":
        return None
    if client_time is not None:
        client_time = plain_moment(client_time)
        if client_time is None:
            return None
    if raw["op"] != "delete":
        data = plain_note(data)
        if data is None:
            return None
    else:
        data = dict(data)
    return {"mutation_id": mutation_id, "entity": "observation", "entity_id": entity_id, "op": raw["op"],
            "base_version": base_version, "data": data, "client_time": client_time}


def plain_note(raw):
    """NoteDataSchema's load of a note without media, or None."""
    if not raw.keys() - set(READ_ONLY) <= NOTE_FIELDS or raw.get("media", []) != [] \
            or type(raw.get("media", [])) is not list:
        return None
    study_id, kind = raw.get("study_id"), raw.get("kind")
    text, expected = plain_text(raw.get("text"), TEXT_MAX), raw.get("expected")
    captured_at, no_person, tags = plain_moment(raw.get("captured_at")), raw.get("no_person", False), raw.get("tags", [])
    if not plain_int(study_id, 1) or type(kind) is not str or kind not in KINDS or text is None \
            or captured_at is None or type(no_person) is not bool or type(tags) is not list or len(tags) > 50:
        return None
    if expected is not None:
        expected = plain_text(expected, TEXT_MAX)
        if expected is None:
            return None
    note = {"study_id": study_id, "kind": KINDS[kind], "text": text, "expected": expected}
    for field in NOTE_IDS:
        value = raw.get(field)
        if value is not None and not plain_int(value, 1):
            return None
        note[field] = value
    names = [plain_text(name, 60) for name in tags]
    if None in names or "" in names:
        return None
    note.update(no_person=no_person, tags=names, captured_at=captured_at, media=[])
    return note


def plain_uuid(value):
    if type(value) is not str:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def plain_int(value, low):
    return type(value) is int and low <= value <= DB_INT_MAX


# Every character forbidden_characters could refuse (control, bidi, surrogate) and a few it lets pass: most
# notes hold none, and a search in C spares the per-character check in Python.
SUSPECT = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def plain_text(value, longest):
    """Text's load (stripped, no forbidden characters) within `longest`, or None."""
    if type(value) is not str or (SUSPECT.search(value) and forbidden_characters(value)):
        return None
    value = clean_text(value)
    return value if len(value) <= longest else None


def plain_moment(value):
    """Moment's load: an ISO time with its offset that exists in UTC, or None."""
    if type(value) is not str:
        return None
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None or moment.utcoffset() is None:
            return None
        moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return moment
