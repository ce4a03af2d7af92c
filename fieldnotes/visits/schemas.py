"""Form schemas for site visits and participants; links to the study are checked in service.py."""
from datetime import date, timedelta

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from fieldnotes.text import Text

MAX_ID = 2_147_483_647  # a larger number would reach the database driver and fail there


def Id(**kwargs):
    return fields.Integer(strict=False, validate=validate.Range(min=1, max=MAX_ID),
                          error_messages={"invalid": "Not a valid choice."}, **kwargs)


class IdList(fields.List):
    """Ticked checkboxes' ids; one plain message when any is not an id, not one per position."""

    def __init__(self, **kwargs):
        super().__init__(Id(), load_default=list, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            return super()._deserialize(value, attr, data, **kwargs)
        except ValidationError as error:
            raise ValidationError("Not a valid choice.") from error


def at_most(limit, required=False):
    longest = validate.Length(max=limit, error="Use at most {max} characters.")
    # Text strips surrounding space, so "   " arrives here as "" and must not count as filled in.
    return [validate.Length(min=1, error="Fill this in."), longest] if required else longest


def Day(**kwargs):
    # Browsers' date inputs send YYYY-MM-DD whatever the user's locale.
    messages = {"invalid": "Enter a real date, as YYYY-MM-DD.", **kwargs.pop("error_messages", {})}
    return fields.Date(format="iso", error_messages=messages, **kwargs)


class VisitSchema(Schema):
    list_fields = ("researcher_ids", "participant_ids")

    visited_on = Day(required=True, error_messages={"required": "Enter the date of the visit."})
    # The account visited: one of the study's (organisation_id), or a new one named in `organisation`.
    organisation_id = Id(load_default=None, allow_none=True)
    organisation = Text(load_default="", validate=at_most(200))
    place = Text(load_default="", validate=at_most(200))
    summary = Text(load_default="", validate=at_most(10_000))
    researcher_ids = IdList()
    participant_ids = IdList()

    @validates("visited_on")
    def plausible_year(self, value, **kwargs):
        if not 2000 <= value.year <= date.today().year + 5:
            raise ValidationError("Check the year of the visit.")


class ParticipantSchema(Schema):
    """A participant; views drop real_name for members who may not see it, and visit_id on edit."""

    pseudonym = Text(required=True, validate=at_most(80, required=True),
                     error_messages={"required": "Enter a pseudonym, such as “P1 Finance lead”."})
    role_id = Id(load_default=None, allow_none=True)
    organisation = Text(load_default="", validate=at_most(200))
    real_name = Text(load_default=None, allow_none=True, validate=at_most(200))
    consent_given = fields.Boolean(load_default=False)
    consent_on = Day(load_default=None, allow_none=True)
    consent_notes = fields.Boolean(load_default=False)
    consent_quotes = fields.Boolean(load_default=False)
    consent_photos = fields.Boolean(load_default=False)
    consent_audio = fields.Boolean(load_default=False)
    visit_id = Id(load_default=None, allow_none=True)

    @validates("consent_on")
    def not_in_future(self, value, **kwargs):
        # A day's grace: the server's today may be the researcher's yesterday.
        if value and value > date.today() + timedelta(days=1):
            raise ValidationError("Consent cannot be dated in the future.")

    @validates_schema
    def scope_needs_consent(self, data, **kwargs):
        uses = ("consent_notes", "consent_quotes", "consent_photos", "consent_audio")
        if not data.get("consent_given") and any(data.get(use) for use in uses):
            raise ValidationError("Tick “Consent given” as well as what it covers.", "consent_given")
