"""The API's shapes: what it takes (validated here, unknown fields refused) and what it answers.

These schemas are the one source of both the checks and the OpenAPI document (spec.py). Text fields
follow the rules of fieldnotes/text.py and the phone's limits (sync/schemas.py), so a note written by a
script could have come from a phone. Participants have no real-name field: it never leaves by the API.
"""
from marshmallow import Schema, fields, validate

from fieldnotes.explore.filters import MAX_VALUES, ORDERS
from fieldnotes.explore.search import MAX_QUERY
from fieldnotes.exports.audience import AUDIENCES, TEAM
from fieldnotes.forms import DB_INT_MAX
from fieldnotes.observations.models import TEXT_MAX, Kind, Slot
from fieldnotes.sync.schemas import DB_INT, Moment, StrictInt
from fieldnotes.text import Text

MAX_LIMIT = 200
ID_OR_NONE = validate.Regexp(r"^(none|[1-9][0-9]{0,9})$", error="A number, or none.")


def ids(**kwargs):
    return fields.List(fields.Integer(validate=DB_INT), validate=validate.Length(max=MAX_VALUES), **kwargs)


def choices(values, **kwargs):
    return fields.List(fields.String(validate=validate.OneOf(values)), validate=validate.Length(max=MAX_VALUES),
                       **kwargs)


# What comes in

class NoteFilterSchema(Schema):
    """The browse page's filters, by the same names, plus the page size."""

    visit = ids(metadata={"description": "Site visit ids (any of them)."})
    participant = ids(metadata={"description": "Participant ids."})
    author = ids(metadata={"description": "Author (user) ids."})
    tag = ids(metadata={"description": "Tag ids."})
    role = fields.List(fields.String(validate=ID_OR_NONE), validate=validate.Length(max=MAX_VALUES),
                       metadata={"description": "Role ids, or `none` for notes without a role."})
    touchpoint = fields.List(fields.String(validate=ID_OR_NONE), validate=validate.Length(max=MAX_VALUES),
                             metadata={"description": "Touchpoint ids, or `none` for notes without one."})
    organisation = fields.List(Text(validate=validate.Length(min=1, max=200)),
                               validate=validate.Length(max=MAX_VALUES),
                               metadata={"description": "Organisations visited (exact names)."})
    kind = choices([k.value for k in Kind], metadata={"description": "Kinds of note."})
    media = choices([s.value for s in Slot], metadata={"description": "Notes with a photo or audio."})
    date_from = fields.Date(data_key="from", metadata={"description": "Captured on or after this day (UTC)."})
    date_to = fields.Date(data_key="to", metadata={"description": "Captured on or before this day (UTC)."})
    attention = fields.String(validate=validate.OneOf(["0", "1"]),
                              metadata={"description": "1: only notes with an unsettled conflict."})
    q = fields.String(validate=validate.Length(max=MAX_QUERY),
                      metadata={"description": "Full-text search, as in the browse page's search box."})
    order = fields.String(validate=validate.OneOf(ORDERS), metadata={"description": "newest (default) or journey."})
    after = fields.String(validate=validate.Length(min=1, max=400),
                          metadata={"description": "The `next` cursor of the previous page."})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_LIMIT),
                           metadata={"description": f"Notes per page, 1 to {MAX_LIMIT} (default 50)."})


class ExportQuerySchema(NoteFilterSchema):
    """The browse filters (or a board), and whom the file is for; the whole file, so no paging or order."""

    class Meta:
        exclude = ("after", "limit", "order")

    audience = fields.String(load_default=TEAM, validate=validate.OneOf(list(AUDIENCES)),
                             metadata={"description": "team (default), or outside: only what each participant's "
                                                      "consent covers, for roles that may export for outside."})
    board = fields.Integer(validate=validate.Range(min=1, max=DB_INT_MAX),
                           metadata={"description": "A board's notes instead of the filter's."})


class NoteFieldsSchema(Schema):
    """A note's fields a script may set; each is optional here (a PATCH sends only what changes)."""

    kind = fields.Enum(Kind, by_value=True)
    text = Text(validate=validate.Length(min=1, max=TEXT_MAX))
    expected = Text(allow_none=True, validate=validate.Length(max=TEXT_MAX),
                    metadata={"description": "What the customer expected (a gap), in their terms."})
    touchpoint_id = StrictInt(allow_none=True, validate=DB_INT)
    role_id = StrictInt(allow_none=True, validate=DB_INT)
    participant_id = StrictInt(allow_none=True, validate=DB_INT)
    visit_id = StrictInt(allow_none=True, validate=DB_INT)
    no_person = fields.Boolean(truthy={True}, falsy={False},
                               metadata={"description": "No person's words or image (a form, a whiteboard)."})
    tags = fields.List(Text(validate=validate.Length(min=1, max=60)), validate=validate.Length(max=50),
                       metadata={"description": "Tag names; new names make new tags."})
    captured_at = Moment(metadata={"description": "When it was seen or heard, with its UTC offset."})


class NoteCreateSchema(NoteFieldsSchema):
    id = fields.UUID(metadata={"description": "Your own id for the note (made for you when absent)."})
    kind = fields.Enum(Kind, by_value=True, required=True)
    text = Text(required=True, validate=validate.Length(min=1, max=TEXT_MAX))


class NotePatchSchema(NoteFieldsSchema):
    version = StrictInt(required=True, validate=validate.Range(min=1, max=DB_INT_MAX),
                        metadata={"description": "The version you last saw; a stale one is a 409."})


class NoteDeleteSchema(Schema):
    version = fields.Integer(required=True, validate=validate.Range(min=1, max=DB_INT_MAX),
                             metadata={"description": "The version you last saw; a stale one is a 409."})


# What goes out

class ErrorSchema(Schema):
    code = fields.Integer(required=True)
    message = fields.String(required=True)
    description = fields.String(required=True)
    errors = fields.Dict(keys=fields.String(), metadata={"description": "Field (or parameter) -> messages."})


class StudySchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    goal = fields.String(required=True)
    audience = fields.String(required=True)
    status = fields.String(required=True)
    role = fields.String(required=True, metadata={"description": "Your role in the study."})
    created_at = fields.AwareDateTime(required=True)


class StudyListSchema(Schema):
    studies = fields.List(fields.Nested(StudySchema), required=True)


class TokenSchema(Schema):
    name = fields.String(required=True)
    scopes = fields.List(fields.String(validate=validate.OneOf(["read", "write"])), required=True)
    expires_at = fields.AwareDateTime(required=True)


class MeSchema(Schema):
    """Whom the request acts as; `token` is null for a browser's session."""

    id = fields.Integer(required=True)
    email = fields.String(required=True)
    name = fields.String(required=True)
    token = fields.Nested(TokenSchema, required=True, allow_none=True,
                          metadata={"description": "The token that signed this request in, if one did."})


class MediaSchema(Schema):
    id = fields.UUID(required=True)
    slot = fields.String(required=True, validate=validate.OneOf([s.value for s in Slot]))
    mime = fields.String(required=True)
    size = fields.Integer(required=True)
    status = fields.String(required=True, metadata={"description": "pending until the upload is verified."})


class NoteSchema(Schema):
    id = fields.UUID(required=True)
    study_id = fields.Integer(required=True)
    kind = fields.String(required=True, validate=validate.OneOf([k.value for k in Kind]))
    text = fields.String(required=True, metadata={"description": "As captured, real names masked."})
    expected = fields.String(required=True, allow_none=True)
    touchpoint_id = fields.Integer(required=True, allow_none=True)
    role_id = fields.Integer(required=True, allow_none=True)
    participant_id = fields.Integer(required=True, allow_none=True)
    visit_id = fields.Integer(required=True, allow_none=True)
    no_person = fields.Boolean(required=True)
    tags = fields.List(fields.String(), required=True)
    captured_at = fields.AwareDateTime(required=True)
    client_time_suspect = fields.Boolean(required=True, metadata={"description": "The phone's clock looked wrong."})
    author_id = fields.Integer(required=True)
    author = fields.String(required=True)
    version = fields.Integer(required=True)
    updated_at = fields.AwareDateTime(required=True)
    media = fields.List(fields.Nested(MediaSchema), required=True)


class ConflictSchema(ErrorSchema):
    current = fields.Nested(NoteSchema, allow_none=True,
                            metadata={"description": "The note as it is now (null when deleted, or not in this study)."})


class NotePageSchema(Schema):
    notes = fields.List(fields.Nested(NoteSchema), required=True)
    next = fields.String(required=True, allow_none=True,
                         metadata={"description": "Pass as `after` for the next page; null on the last."})


class TermSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    position = fields.Integer(required=True)
    retired = fields.Boolean(required=True)


class JourneySchema(Schema):
    touchpoints = fields.List(fields.Nested(TermSchema), required=True)
    roles = fields.List(fields.Nested(TermSchema), required=True)


class TagSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    notes = fields.Integer(required=True, metadata={"description": "Live notes with this tag."})


class TagListSchema(Schema):
    tags = fields.List(fields.Nested(TagSchema), required=True)


class VisitSchema(Schema):
    id = fields.Integer(required=True)
    visited_on = fields.Date(required=True)
    organisation = fields.String(required=True)
    organisation_id = fields.Integer(required=True, allow_none=True,
                                     metadata={"description": "The account visited (GET .../accounts)."})
    place = fields.String(required=True)
    summary = fields.String(required=True)
    researchers = fields.List(fields.String(), required=True)
    participant_ids = fields.List(fields.Integer(), required=True)


class VisitListSchema(Schema):
    visits = fields.List(fields.Nested(VisitSchema), required=True)


class ConsentSchema(Schema):
    given = fields.Boolean(required=True)
    on = fields.Date(required=True, allow_none=True)
    notes = fields.Boolean(required=True)
    quotes = fields.Boolean(required=True)
    photos = fields.Boolean(required=True)
    audio = fields.Boolean(required=True)


class ParticipantSchema(Schema):
    """A participant by pseudonym: there is no real-name field, for anyone."""

    id = fields.Integer(required=True)
    pseudonym = fields.String(required=True)
    role_id = fields.Integer(required=True, allow_none=True)
    organisation = fields.String(required=True)
    organisation_id = fields.Integer(required=True, allow_none=True, metadata={"description": "Their account."})
    consent = fields.Nested(ConsentSchema, required=True)
    visit_ids = fields.List(fields.Integer(), required=True)


class ParticipantListSchema(Schema):
    participants = fields.List(fields.Nested(ParticipantSchema), required=True)


class AccountSchema(Schema):
    """A customer organisation of the study (issue 15); visits and participants name it by id."""

    id = fields.Integer(required=True)
    name = fields.String(required=True)
    segment = fields.String(required=True)
    size_band = fields.String(required=True, metadata={"description": "People employed, e.g. \"250–999\"; or empty."})
    region = fields.String(required=True)
    notes = fields.String(required=True)


class AccountListSchema(Schema):
    accounts = fields.List(fields.Nested(AccountSchema), required=True)


class BreadthSchema(Schema):
    notes = fields.Integer(required=True)
    participants = fields.Integer(required=True)
    organisations = fields.Integer(required=True)
    roles = fields.Integer(required=True)
    touchpoints = fields.Integer(required=True)
    visits = fields.Integer(required=True)
    researchers = fields.Integer(required=True)


class InsightSchema(Schema):
    """An insight, or a theme when it has children; statements with real names masked."""

    id = fields.Integer(required=True)
    statement = fields.String(required=True)
    position = fields.Integer(required=True)
    version = fields.Integer(required=True)
    note_ids = fields.List(fields.UUID(), required=True)
    breadth = fields.Nested(BreadthSchema, required=True)
    children = fields.List(fields.Nested("InsightSchema"), required=True)


class InsightTreeSchema(Schema):
    insights = fields.List(fields.Nested(InsightSchema), required=True)


class BoardSummarySchema(Schema):
    id = fields.Integer(required=True)
    title = fields.String(required=True)
    narrative = fields.String(required=True)
    updated_at = fields.AwareDateTime(required=True)


class BoardListSchema(Schema):
    boards = fields.List(fields.Nested(BoardSummarySchema), required=True)


class EvidenceSchema(Schema):
    """Evidence as the board page shows it: only what consent allows, no note id, no pseudonym."""

    use = fields.String(required=True, metadata={"description": "quote, photo or audio."})
    text = fields.String(required=True)
    who = fields.String(required=True, metadata={"description": "Role and organisation, never a name."})
    quoted = fields.Boolean(required=True, metadata={"description": "The customer's own words."})
    attachment_id = fields.UUID(required=True, allow_none=True, metadata={
        "description": "The note's photo or audio; for a highlight's clip of a voice note, that note's audio."})
    recording_id = fields.UUID(required=True, allow_none=True, metadata={
        "description": "For a highlight's clip of a visit's interview recording: the recording (no attachment)."})
    mime = fields.String(required=True)


class BoardItemSchema(Schema):
    insight_id = fields.Integer(required=True)
    statement = fields.String(required=True)
    breadth = fields.Nested(BreadthSchema, required=True, allow_none=True)
    evidence = fields.List(fields.Nested(EvidenceSchema), required=True)


class BoardSchema(BoardSummarySchema):
    items = fields.List(fields.Nested(BoardItemSchema), required=True)
