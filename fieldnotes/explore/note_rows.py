"""The browse page's notes as plain rows, not ORM objects: a page shows each note's words, terms, author, tags and
media, and changes none of them.

Loaded as Observations with their tags, media and author eagerly loaded, a page of 50 notes took 11.5-14 ms of a
40-60 ms page at 100k notes (issue 11, session 25): four statements, and the ORM building, tracking and linking
about 200 objects. Read as rows, in two statements, they are 50 small records.
"""
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import (
    String, Uuid, bindparam, cast, func, literal, literal_column, null, select, type_coerce, union_all)

from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.highlights.models import Highlight
from fieldnotes.observations.models import Attachment, Kind, Observation, Slot, observation_tag
from fieldnotes.studies.models import Tag

# What a note's row shows, in ListedNote's order; the list's sort key follows them (listing.page_query).
COLUMNS = (Observation.id, Observation.text, Observation.expected, Observation.kind, Observation.touchpoint_id,
           Observation.role_id, Observation.participant_id, Observation.visit_id, Observation.author_id,
           Observation.captured_at)


@dataclass(slots=True)
class ListedNote:
    """A note as the browse page lists it."""
    id: uuid.UUID
    text: str
    expected: str | None
    kind: Kind
    touchpoint_id: int | None
    role_id: int | None
    participant_id: int | None
    visit_id: int | None
    author_id: int
    captured_at: datetime
    author_name: str = ""
    tags: list[str] = field(default_factory=list)  # names, in name order (as Observation.tags)
    media: list[Slot] = field(default_factory=list)  # slots, oldest first (as Observation.media)
    is_highlight: bool = False  # made from a span of a longer note or a transcript (highlights.queries.links)
    # Its touchpoint's, role's and participant's names and its visit's organisation, as its row shows them (named).
    terms: list[str] = field(default_factory=list)

    @property
    def captured_label(self):
        return f"{self.captured_at.day} {self.captured_at:%b %Y, %H:%M} UTC"


def parts_query():
    """The page's notes' tags, media, authors' names and which are highlights, in one statement: rows (part, note id,
    value, place): a tag's name, a medium's slot, an author's name (no note: its place is the author's id), a
    highlight (no value). `place` orders each note's tags by name and media oldest first, as Observation.tags and
    .media do. One round trip where the ORM's eager loads sent three, and the highlights' links a fourth even when
    the page had none (the usual case). An expanding IN, as those loads sent (both databases)."""
    ids = bindparam("ids", expanding=True)
    link = observation_tag.c
    return union_all(
        select(literal_column("'tag'").label("part"), link.observation_id.label("note"), Tag.name.label("value"),
               func.row_number().over(order_by=(Tag.name, Tag.id)).label("place"))
        .join(Tag, Tag.id == link.tag_id).where(link.observation_id.in_(ids)),
        select(literal_column("'media'"), Attachment.observation_id, type_coerce(Attachment.slot, String),
               func.row_number().over(order_by=(Attachment.created_at, Attachment.id)))
        .where(Attachment.observation_id.in_(ids)),
        select(literal_column("'author'"), cast(null(), Uuid), User.name, User.id)
        .where(User.id.in_(bindparam("authors", expanding=True))),
        select(literal_column("'highlight'"), Highlight.observation_id, cast(null(), String), literal(0))
        .where(Highlight.observation_id.in_(ids)))


PARTS = parts_query()  # built once: every browse page runs it


def listed_notes(rows):
    """ListedNotes from page_query's rows (COLUMNS first), with their authors' names, tags and media."""
    notes = [ListedNote(*row[:len(COLUMNS)]) for row in rows]
    if not notes:
        return notes
    by_id, names = {note.id: note for note in notes}, {}
    found = db.session.execute(PARTS, {"ids": list(by_id), "authors": list({note.author_id for note in notes})})
    for part, note_id, value, place in sorted(found, key=lambda row: row[3]):
        if part == "tag":
            by_id[note_id].tags.append(value)
        elif part == "media":
            by_id[note_id].media.append(Slot(value))
        elif part == "highlight":
            by_id[note_id].is_highlight = True
        else:
            names[place] = value
    for note in notes:
        note.author_name = names[note.author_id]
    return notes


def named(notes, names):
    """The notes, each with its terms named from the study's names (listing.lookups), in the order its row shows
    them. Looked up in the template, each name was a call and a failed attribute lookup through Jinja's runtime:
    with the terms named here and the time's label a property, the page's template took 6.5-7.8 ms at 100k notes
    rather than 9.5-9.6 (issue 11, session 26)."""
    for note in notes:
        visit = names["visit"].get(note.visit_id)
        note.terms = [term for term in (names["touchpoint"].get(note.touchpoint_id), names["role"].get(note.role_id),
                                        names["participant"].get(note.participant_id),
                                        visit and visit.organisation) if term]
    return notes
