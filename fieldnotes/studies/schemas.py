"""Form and JSON schemas for studies, their terms and members."""
from marshmallow import Schema, fields, validate

from fieldnotes.auth.schemas import Email
from fieldnotes.studies.defaults import Audience
from fieldnotes.studies.models import StudyStatus
from fieldnotes.studies.permissions import StudyRole
from fieldnotes.text import Text


class StudySchema(Schema):
    id = fields.Integer(dump_only=True)
    name = Text(required=True, validate=validate.Length(min=1, max=200),
                error_messages={"required": "Give the study a name."})
    goal = Text(load_default="", validate=validate.Length(max=5000))
    audience = fields.Enum(Audience, by_value=True, required=True,
                           error_messages={"required": "Choose the audience."})
    status = fields.Enum(StudyStatus, by_value=True, load_default=StudyStatus.PLANNING)


class StudyEditSchema(StudySchema):
    # The audience chose the default roles; changing it later would not change them.
    class Meta:
        exclude = ("audience",)


class TermSchema(Schema):
    """A touchpoint's, role's or tag's name."""

    name = Text(required=True, validate=validate.Length(min=1, max=80))


class TermChangeSchema(TermSchema):
    """The journey page's rename form: the pressed button comes as `action`."""

    action = fields.String(required=True)


class TagSchema(Schema):
    name = Text(required=True, validate=validate.Length(min=1, max=60))


class MemberSchema(Schema):
    email = Text(required=True, validate=Email)
    role = fields.Enum(StudyRole, by_value=True, required=True)


class RoleChangeSchema(Schema):
    role = fields.Enum(StudyRole, by_value=True, required=True)
