"""Forms of the account pages: an account's details, and a merge the team confirms."""
from marshmallow import Schema, ValidationError, validates

from fieldnotes.organisations.models import SIZE_BANDS
from fieldnotes.text import Text
from fieldnotes.visits.schemas import Id, at_most


class AccountSchema(Schema):
    name = Text(required=True, validate=at_most(200, required=True),
                error_messages={"required": "Enter the organisation's name."})
    segment = Text(load_default="", validate=at_most(80))
    size_band = Text(load_default="", validate=at_most(20))
    region = Text(load_default="", validate=at_most(80))
    notes = Text(load_default="", validate=at_most(10_000))

    @validates("size_band")
    def known_band(self, value, **kwargs):
        if value and value not in SIZE_BANDS:
            raise ValidationError(f"Choose one of: {', '.join(SIZE_BANDS)}.")


class MergeSchema(Schema):
    kept_id = Id(required=True)
    removed_id = Id(required=True)
