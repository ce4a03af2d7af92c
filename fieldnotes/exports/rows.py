"""THE export query: a study's notes as plain dict rows, streamed, for every exporter to share.

Other exporters (CSV, XLSX, JSON here; REFI-QDA, the archive and the API elsewhere) import this:

    scope = study_scope(study) | filter_scope(study, args, dialect_name) | board_scope(study, board_id)
    for row in note_rows(scope, audience="team"):   # or "outside" (see audience.py)
        row["text"], row["tags"], row["media"] ...   # keys: COLUMNS, lists kept as lists

Rows come oldest first (captured_at, then id) from a streamed query (`yield_per`: a server-side
cursor on PostgreSQL), a chunk at a time, so a 100,000-note study is never held in memory. Tags,
insights and media are looked up once per chunk, never once per note. Real names are masked in
every text (visits/names.py) whatever the audience; an `outside` audience also drops what the
participant's consent does not cover (audience.py).
"""
import mimetypes
from dataclasses import dataclass, field

from sqlalchemy import select

from fieldnotes.auth.models import User
from fieldnotes.boards.models import Board, BoardItem
from fieldnotes.errors import NotFound
from fieldnotes.explore.filters import conditions, parse_filters
from fieldnotes.exports.audience import TEAM, Consent
from fieldnotes.extensions import db
from fieldnotes.highlights.queries import links as highlight_links
from fieldnotes.insights.breadth import descendants
from fieldnotes.insights.models import Insight, InsightNote
from fieldnotes.observations.models import Attachment, MediaStatus, Observation, observation_tag
from fieldnotes.organisations.models import Organisation
from fieldnotes.studies.models import Role, Tag, Touchpoint
from fieldnotes.visits.models import Participant, SiteVisit
from fieldnotes.visits.names import NameGuard

CHUNK = 1000
# (row key, column heading) in the order CSV and XLSX write them.
COLUMNS = (
    ("time", "Time"), ("visit", "Visit"), ("organisation", "Organisation"), ("participant", "Participant"),
    ("role", "Role"), ("touchpoint", "Touchpoint"), ("kind", "Kind"), ("text", "Text"),
    ("expected", "What they expected"), ("tags", "Tags"), ("insights", "Insights"), ("media", "Media files"),
    ("author", "Author"), ("version", "Version"), ("id", "Note id"),
    # A highlight (fieldnotes/highlights) is a note whose text is a span of another: of which, where in it.
    ("highlight_of", "Highlight of"), ("highlight_span", "Highlight characters"),
    ("highlight_audio", "Highlight audio (ms)"),
    # The account's details (issue 15), last so that readers of the columns above by position still work;
    # its id after them (added later still), to join with another export or link to its account page.
    ("segment", "Segment"), ("size", "Size"), ("region", "Region"), ("account_id", "Account id"),
)
NOTE_COLUMNS = (Observation.id, Observation.captured_at, Observation.visit_id, Observation.participant_id,
                Observation.role_id, Observation.touchpoint_id, Observation.kind, Observation.text,
                Observation.expected, Observation.author_id, Observation.version, Observation.no_person)
# Stable extensions for the media kinds phones send (mimetypes alone answers .jpe for image/jpeg on some hosts).
EXTENSIONS = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp", "audio/webm": ".webm",
              "audio/mp4": ".m4a", "audio/mpeg": ".mp3", "audio/ogg": ".ogg"}


@dataclass
class Scope:
    """Which notes of a study: `where` is the list of SQL conditions; `what` names it for people."""

    study: object
    where: list
    what: str
    slug: str = "notes"
    query: list = field(default_factory=list)  # the browse filter's URL pairs, to carry to a download


def study_scope(study):
    return Scope(study, [Observation.study_id == study.id, Observation.deleted_at.is_(None)],
                 "every note of the study", "study")


def filter_scope(study, args, dialect_name):
    """The notes a browse filter shows. :raise BadFilter: as browse does, with a message for the person."""
    filters = parse_filters(study.id, args)
    query = filters.params()
    return Scope(study, conditions(filters, dialect_name), "the notes under your filter" if query else
                 "every note of the study", "notes", query)


def board_scope(study, board_id):
    """A board's notes: those grouped under its insights and their sub-insights. :raise NotFound:"""
    board = db.session.scalar(select(Board).where(Board.id == board_id, Board.study_id == study.id))
    if board is None:
        raise NotFound("No such board in this study.")
    insight_ids = db.session.scalars(select(BoardItem.insight_id).where(BoardItem.board_id == board.id)).all()
    under = set().union(*descendants(insight_ids).values()) if insight_ids else set()
    notes = select(InsightNote.observation_id).where(InsightNote.insight_id.in_(under))
    return Scope(study, [Observation.study_id == study.id, Observation.deleted_at.is_(None),
                         Observation.id.in_(notes)], f"the notes of the board “{board.title}”", f"board-{board.id}")


def scope_for(study, args, dialect_name, board_id=None):
    """A board's notes when `board_id` is given, else the browse filter in `args` (empty: the whole study)."""
    return board_scope(study, board_id) if board_id is not None else filter_scope(study, args, dialect_name)


def media_file_name(attachment_id, mime):
    """The name a photo or recording has in every export: its id and an extension for its type."""
    return f"{attachment_id}{EXTENSIONS.get(mime) or mimetypes.guess_extension(mime) or ''}"


@dataclass
class Names:
    """A study's small tables read once: what a row's ids are called."""

    visits: dict
    people: dict
    roles: dict
    touchpoints: dict
    tags: dict
    authors: dict
    insights: dict  # id -> "Theme / Insight" path, real names masked
    guard: NameGuard
    accounts: dict = field(default_factory=dict)  # organisation id -> Organisation

    @classmethod
    def of_study(cls, study_id):
        guard = NameGuard.of_study(study_id)
        visits = {v.id: v for v in db.session.scalars(select(SiteVisit).where(SiteVisit.study_id == study_id))}
        people = {p.id: p for p in db.session.scalars(select(Participant).where(Participant.study_id == study_id))}
        authors = select(Observation.author_id).where(Observation.study_id == study_id).distinct()
        return cls(visits, people,
                   dict(db.session.execute(select(Role.id, Role.name).where(Role.study_id == study_id)).all()),
                   dict(db.session.execute(select(Touchpoint.id, Touchpoint.name)
                                           .where(Touchpoint.study_id == study_id)).all()),
                   dict(db.session.execute(select(Tag.id, Tag.name).where(Tag.study_id == study_id)).all()),
                   dict(db.session.execute(select(User.id, User.name).where(User.id.in_(authors))).all()),
                   insight_paths(study_id, guard), guard,
                   {a.id: a for a in db.session.scalars(select(Organisation).where(Organisation.study_id == study_id))})


def insight_paths(study_id, guard):
    parents = {i.id: (i.parent_id, guard.mask(i.statement)) for i in
               db.session.execute(select(Insight.id, Insight.parent_id, Insight.statement)
                                  .where(Insight.study_id == study_id))}

    def path(insight_id, seen=()):
        parent, statement = parents[insight_id]
        if parent in parents and parent not in seen:  # `seen` guards against a cycle in bad data
            return f"{path(parent, (*seen, insight_id))} / {statement}"
        return statement
    return {insight_id: path(insight_id) for insight_id in parents}


def note_rows(scope, audience=TEAM):
    """Yield one dict a note (keys from COLUMNS; tags, insights, media as lists), oldest first, streamed."""
    names = Names.of_study(scope.study.id)
    consent = Consent(audience)
    query = (select(*NOTE_COLUMNS).where(*scope.where).order_by(Observation.captured_at, Observation.id)
             .execution_options(yield_per=CHUNK))
    for chunk in db.session.execute(query).partitions():
        ids = [note.id for note in chunk]
        tags, insights, media = chunk_tags(ids, names.tags), chunk_insights(ids), chunk_media(ids)
        highlights = highlight_links(ids)
        for note in chunk:
            participant = names.people.get(note.participant_id)
            if not consent.keeps_words(participant, note.no_person):
                continue
            row = note_row(note, names, participant, tags.get(note.id, []), insights.get(note.id),
                           [m for m in media.get(note.id, []) if consent.keeps_media(m, participant, note.no_person)])
            yield {**row, **highlight_cells(highlights.get(note.id))}


def note_row(note, names, participant, tags, insight_id, media):
    visit = names.visits.get(note.visit_id)
    role = names.roles.get(note.role_id) or (participant and names.roles.get(participant.role_id))
    return {
        "time": note.captured_at.isoformat(), "visit": visit_label(visit),
        "organisation": organisation_name(names, visit, participant),
        "participant": participant.pseudonym if participant else "", "role": role or "",
        "touchpoint": names.touchpoints.get(note.touchpoint_id, ""), "kind": str(note.kind),
        "text": names.guard.mask(note.text or ""), "expected": names.guard.mask(note.expected or ""),
        "tags": tags, "insights": [names.insights[insight_id]] if insight_id in names.insights else [],
        "media": [{"file": media_file_name(m.id, m.mime), "use": str(m.slot), "mime": m.mime} for m in media],
        "author": names.authors.get(note.author_id, ""), "version": note.version, "id": str(note.id),
        **account_details(names, visit, participant),
    }


def highlight_cells(link):
    """Empty for a plain note. For a highlight: its source (a note's id, or "transcript N"), "start-end" in
    the source's text now (highlights/anchors.py) or where it was made, said to be stale, when the source's
    words changed; and for a transcript's highlight the stretch of the recording it was said in."""
    if link is None:
        return {"highlight_of": "", "highlight_span": "", "highlight_audio": ""}
    span = f"{link.start}-{link.end}"
    return {"highlight_of": str(link.source_id) if link.source_id else f"transcript {link.transcript_id}",
            "highlight_span": f"{span} (source edited since)" if link.stale else span,
            "highlight_audio": f"{link.audio[0]}-{link.audio[1]}" if link.audio else ""}


def note_account(names, visit, participant):
    """The note's account: its visit's, or failing that (no visit) its participant's, as browse's filter."""
    account_id = visit.organisation_id if visit else (participant.organisation_id if participant else None)
    return names.accounts.get(account_id)


def organisation_name(names, visit, participant):
    """The account's name as it is now (a rename shows at once); the text typed on the visit or the
    participant only where no account is linked."""
    account = note_account(names, visit, participant)
    if account is not None:
        return account.name
    return visit.organisation if visit else (participant.organisation if participant else "")


def account_details(names, visit, participant):
    """The note's account's id, segment, size and region; empty when it has none."""
    account = note_account(names, visit, participant)
    return {"segment": account.segment if account else "", "size": account.size_band if account else "",
            "region": account.region if account else "", "account_id": str(account.id) if account else ""}


def visit_label(visit):
    return f"{visit.visited_on.isoformat()} {visit.organisation}" if visit else ""


def chunk_tags(ids, tag_names):
    # The link table alone, by its primary key: joining Tag here lets SQLite plan from the tag side and
    # scan every link of the study once per chunk (the export grew with the square of its size).
    found = {}
    for note_id, tag_id in db.session.execute(select(observation_tag.c.observation_id, observation_tag.c.tag_id)
                                              .where(observation_tag.c.observation_id.in_(ids))):
        found.setdefault(note_id, []).append(tag_names[tag_id])
    return {note_id: sorted(names) for note_id, names in found.items()}


def chunk_insights(ids):
    return dict(db.session.execute(select(InsightNote.observation_id, InsightNote.insight_id)
                                   .where(InsightNote.observation_id.in_(ids))).all())


def chunk_media(ids):
    """Stored photos and recordings only: a file still uploading from a phone is not there to name."""
    found = {}
    for attachment in db.session.execute(
            select(Attachment.observation_id, Attachment.id, Attachment.slot, Attachment.mime)
            .where(Attachment.observation_id.in_(ids), Attachment.status == MediaStatus.VERIFIED)
            .order_by(Attachment.created_at, Attachment.id)):
        found.setdefault(attachment.observation_id, []).append(attachment)
    return found
