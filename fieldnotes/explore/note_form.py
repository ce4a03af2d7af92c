"""The note page's edit form: what a designer may correct on one note, and how the form reads back.

The page's form posts the note's whole state (text, kind, journey terms, person, visit, tags), so what
the editor sees is what is saved: a field left blank is cleared, a tag unticked is removed. A field the
post does not carry at all is left as it is (an older page, a script posting only the kind).
"""
import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from fieldnotes.extensions import db
from fieldnotes.observations.models import TEXT_MAX, Kind
from fieldnotes.text import Text
from fieldnotes.visits.models import Participant, SiteVisit

TAGS_SHOWN = "tags_shown"  # a hidden field: the form listed the tags, so the ticked ones are all it keeps
DB_ID = validate.Range(min=1, max=2_147_483_647)
TAG_MAX, TAGS_MAX = 60, 50
# The words the form shows for each field, so a message never names a column.
LABELS = {"text": "Text", "expected": "What they expected", "kind": "Kind", "touchpoint_id": "Touchpoint",
          "role_id": "Role", "participant_id": "Participant", "visit_id": "Visit",
          "no_person": "Not a person’s words or image", "tags": "Tags", "add_tags": "Add tags",
          "base_version": "Version"}


class NoteEditSchema(Schema):
    list_fields = ("tags",)  # forms.load_form: every ticked box, not only the first

    kind = fields.Enum(Kind, by_value=True, required=True, error_messages={
        "unknown": "Choose one of the kinds in the list."})
    text = Text(load_default="", validate=validate.Length(max=TEXT_MAX))
    expected = Text(load_default=None, validate=validate.Length(max=TEXT_MAX))
    touchpoint_id = fields.Integer(load_default=None, validate=DB_ID)
    role_id = fields.Integer(load_default=None, validate=DB_ID)
    participant_id = fields.Integer(load_default=None, validate=DB_ID)
    visit_id = fields.Integer(load_default=None, validate=DB_ID)
    # A checkbox: sent ("true") when ticked, absent when not.
    no_person = fields.Boolean(load_default=False, truthy={"true"}, falsy={"false"})
    tags = fields.List(Text(validate=validate.Length(min=1, max=TAG_MAX)), load_default=list)
    add_tags = Text(load_default="", validate=validate.Length(max=TAGS_MAX * (TAG_MAX + 2)))
    base_version = fields.Integer(required=True, validate=DB_ID)
    tags_shown = fields.String(load_default="")

    @validates_schema
    def check_new_tags(self, data, **kwargs):
        for name in split_tags(data.get("add_tags", "")):
            if len(name) > TAG_MAX:
                raise ValidationError(f"A tag is at most {TAG_MAX} characters: “{name[:20]}…” is longer.", "add_tags")
        if len(tag_names(data)) > TAGS_MAX:
            raise ValidationError(f"A note may have at most {TAGS_MAX} tags.", "add_tags")


def split_tags(raw):
    """Tags typed in one box, separated by commas (a tag may contain spaces and hyphens: "WALK-R1")."""
    return [name.strip() for name in re.split(r"[,\n]", raw or "") if name.strip()]


def tag_names(data):
    """The tags kept (ticked) and the ones added, in that order."""
    return [*data.get("tags", []), *split_tags(data.get("add_tags", ""))]


def sent_fields(data, form, editable):
    """The loaded values of the fields the post carried; a checkbox (no_person) is sent only when ticked."""
    return {k: data[k] for k in editable if k in form or k == "no_person"}


def text_errors(note, data, form):
    """A note with no words must have a photo or recording to say anything; else the form asks for text."""
    if "text" in form and not data["text"] and not note.media:
        return {"text": ["Write what was seen or heard: a note without text or a photo says nothing."]}
    return {}


def state(note):
    """The form as the note is now."""
    return {"kind": str(note.kind), "text": note.text, "expected": note.expected or "",
            "touchpoint_id": note.touchpoint_id, "role_id": note.role_id, "participant_id": note.participant_id,
            "visit_id": note.visit_id, "no_person": note.no_person, "tags": [t.name for t in note.tags],
            "other_tags": [], "add_tags": ""}


def posted(form, note):
    """The form as it was sent, to show again with its messages: nothing typed is lost.

    Tags the note has gained meanwhile are offered unticked, so the editor sees them.
    """
    sent = {name: form.get(name, "") for name in ("kind", "text", "expected", "touchpoint_id", "role_id",
                                                   "participant_id", "visit_id", "add_tags")}
    return {**sent, "no_person": form.get("no_person") == "true", "tags": form.getlist("tags"),
            "other_tags": [t.name for t in note.tags if t.name not in form.getlist("tags")]}


def tag_boxes(form):
    """The tag checkboxes: the form's tags ticked, tags it does not keep unticked."""
    return [("tags", name, name, True) for name in form["tags"]] + [
        ("tags", name, name, False) for name in form.get("other_tags", [])]


def participant_options(study_id):
    people = db.session.scalars(Participant.of_study(study_id)).all()
    return [(p.id, p.pseudonym + (f" ({p.organisation})" if p.organisation else "")) for p in people]


def visit_options(study_id):
    visits = db.session.scalars(SiteVisit.of_study(study_id)).all()
    return [(v.id, f"{v.organisation}, {v.visited_on.isoformat()}") for v in visits]
