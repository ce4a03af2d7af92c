"""The "Make a highlight" form: the span (offsets the page's script fills in), and the highlight's own
kind, touchpoint, role and tags."""
import re

from marshmallow import Schema, fields, validate

from fieldnotes.observations.models import Kind
from fieldnotes.text import Text

OFFSET = validate.Range(min=0, max=2_147_483_647)
DB_ID = validate.Range(min=1, max=2_147_483_647)
TAG_MAX, TAGS_MAX = 60, 50
LABELS = {"span": "Selection", "start": "Starts at character", "end": "Ends before character", "kind": "Kind",
          "touchpoint_id": "Touchpoint", "role_id": "Role", "add_tags": "Tags"}


class HighlightSchema(Schema):
    start = fields.Integer(required=True, validate=OFFSET)
    end = fields.Integer(required=True, validate=OFFSET)
    kind = fields.Enum(Kind, by_value=True, required=True, error_messages={
        "unknown": "Choose one of the kinds in the list."})
    touchpoint_id = fields.Integer(load_default=None, validate=DB_ID)
    role_id = fields.Integer(load_default=None, validate=DB_ID)
    add_tags = Text(load_default="", validate=validate.Length(max=TAGS_MAX * (TAG_MAX + 2)))


def tag_names(raw):
    """Tags typed in one box, separated by commas, as the note page reads them."""
    return [name.strip() for name in re.split(r"[,\n]", raw or "") if name.strip()]


def tag_errors(names):
    if len(names) > TAGS_MAX:
        return {"add_tags": [f"A highlight may have at most {TAGS_MAX} tags."]}
    long = [name for name in names if len(name) > TAG_MAX]
    if long:
        return {"add_tags": [f"A tag is at most {TAG_MAX} characters: “{long[0][:20]}…” is longer."]}
    return {}
