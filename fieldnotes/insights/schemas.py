"""What the grouping moves accept, from JSON (the workspace's script) and from HTML forms."""
from marshmallow import Schema, fields, validate

from fieldnotes.text import Text

NOTE_IDS = fields.List(fields.UUID(), load_default=list, validate=validate.Length(max=500))
INSIGHT_ID = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(1, 2**31 - 1))
# {insight id: version seen} and {note id: insight id it was seen in, or None}
VERSIONS = fields.Dict(keys=fields.String(validate=validate.Regexp(r"^[0-9]{1,10}$")),
                       values=fields.Integer(), load_default=None)
SOURCES = fields.Dict(keys=fields.String(), values=fields.Integer(allow_none=True), load_default=None)


class CreateSchema(Schema):
    statement = Text(required=True, validate=validate.Length(min=1, max=2000))
    note_ids = NOTE_IDS
    parent_id = INSIGHT_ID
    versions = VERSIONS
    sources = SOURCES


class StatementSchema(Schema):
    statement = Text(required=True, validate=validate.Length(min=1, max=2000))
    version = fields.Integer(load_default=None)


class MoveSchema(Schema):
    note_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=500))
    target_id = INSIGHT_ID
    versions = VERSIONS
    sources = SOURCES


class NestSchema(Schema):
    parent_id = INSIGHT_ID
    version = fields.Integer(load_default=None)


class PlaceSchema(Schema):
    parent_id = INSIGHT_ID
    before_id = INSIGHT_ID
    version = fields.Integer(load_default=None)


class ReorderSchema(Schema):
    offset = fields.Integer(required=True, validate=validate.Range(-1000, 1000))
    version = fields.Integer(load_default=None)


class DeleteSchema(Schema):
    version = fields.Integer(load_default=None)
    ungroup = fields.Boolean(load_default=False)


class SuggestionSchema(Schema):
    note_ids = fields.List(fields.UUID(), required=True, validate=validate.Length(min=1, max=500))
    statement = Text(load_default="", validate=validate.Length(max=2000))
