"""What the grouping moves accept, from JSON (the workspace's script) and from HTML forms.

Every number is bounded to what its column holds: an unbounded id reached PostgreSQL as
"integer out of range" (a 500), where a 422 saying which field is the answer.
"""
from marshmallow import Schema, ValidationError, fields, validate

from fieldnotes.forms import DB_INT_MAX, whole_number
from fieldnotes.text import Text


def insight_key(value):
    # An insight id written as a JSON object's key ("12"): ASCII digits, within the column.
    if whole_number(value, low=1) is None:
        raise ValidationError("Not an insight id.")


def note_key(value):
    # A note id as a JSON object's key; what is not one matches no note and is simply not checked.
    if len(value) > 64:
        raise ValidationError("Not a note id.")


ID = validate.Range(1, DB_INT_MAX)
NOTE_IDS = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=500))
INSIGHT_ID = fields.Integer(allow_none=True, load_default=None, validate=ID)
VERSION = fields.Integer(load_default=None, validate=validate.Range(0, DB_INT_MAX))
# {insight id: version seen} and {note id: insight id it was seen in, or None}
VERSIONS = fields.Dict(keys=fields.String(validate=insight_key), values=fields.Integer(
    validate=validate.Range(0, DB_INT_MAX)), load_default=None, validate=validate.Length(max=500))
SOURCES = fields.Dict(keys=fields.String(validate=note_key), values=fields.Integer(allow_none=True, validate=ID),
                      load_default=None, validate=validate.Length(max=500))


class CreateSchema(Schema):
    statement = Text(required=True, validate=validate.Length(min=1, max=2000))
    note_ids = NOTE_IDS
    parent_id = INSIGHT_ID
    versions = VERSIONS
    sources = SOURCES


class StatementSchema(Schema):
    statement = Text(required=True, validate=validate.Length(min=1, max=2000))
    version = VERSION


class MoveSchema(Schema):
    note_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=500))
    target_id = INSIGHT_ID
    versions = VERSIONS
    sources = SOURCES


class NestSchema(Schema):
    parent_id = INSIGHT_ID
    version = VERSION


class PlaceSchema(Schema):
    parent_id = INSIGHT_ID
    before_id = INSIGHT_ID
    version = VERSION


class ReorderSchema(Schema):
    offset = fields.Integer(required=True, validate=validate.Range(-1000, 1000))
    version = VERSION


class DeleteSchema(Schema):
    version = VERSION
    ungroup = fields.Boolean(load_default=False)


class SuggestionSchema(Schema):
    note_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=500))
    statement = Text(load_default="", validate=validate.Length(max=2000))
