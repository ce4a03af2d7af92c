"""Form schemas for boards, their items, share links and reactions."""
from datetime import UTC, datetime, timedelta

from marshmallow import Schema, ValidationError, fields, validate, validates

from fieldnotes.boards.models import ReactionKind
from fieldnotes.text import Text
from fieldnotes.visits.schemas import Day, Id, at_most

SHARE_DEFAULT_DAYS, SHARE_MAX_DAYS = 14, 90
EVIDENCE_MAX = 8  # "a few" quotes, photos and clips: an executive reads a handful, not a dump


class BoardSchema(Schema):
    title = Text(required=True, validate=at_most(200, required=True))
    narrative = Text(load_default="", validate=at_most(2000))


class AddItemSchema(Schema):
    insight_id = Id(required=True)


class MoveSchema(Schema):
    direction = fields.String(required=True, validate=validate.OneOf(["up", "down", "top", "bottom"]))


class ShareSchema(Schema):
    expires_on = Day(required=True)

    @validates("expires_on")
    def within_limits(self, value, **kwargs):
        today = datetime.now(UTC).date()
        if value <= today:
            raise ValidationError("Choose a date after today.")
        if value > today + timedelta(days=SHARE_MAX_DAYS):
            raise ValidationError(f"A share link lasts at most {SHARE_MAX_DAYS} days: choose an earlier date.")


class ReactionSchema(Schema):
    insight_id = Id(required=True)
    kind = fields.Enum(ReactionKind, by_value=True, required=True,
                       error_messages={"unknown": "Choose agree, surprised or question."})
    comment = Text(load_default="", validate=at_most(1000))
    name = Text(load_default="", validate=at_most(80))


class EvidenceSchema(Schema):
    list_fields = ("pick",)
    pick = fields.List(fields.String(validate=at_most(80)), load_default=list,
                       validate=validate.Length(max=EVIDENCE_MAX,
                                                error=f"Pick at most {EVIDENCE_MAX} pieces of evidence."))
