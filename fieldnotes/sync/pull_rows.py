"""One page of a study's change stream read as plain rows, not ORM objects.

Pull is the busiest read a phone makes and its answer is plain data, so it skips
the ORM: building objects with three eager loads cost more than the database
work (issue 11; docs/benchmarks.md). Three Core queries make the same dicts as
`observations.content.note_state` does from a loaded note (tests/test_sync_pull_rows.py
checks them equal, key for key): the notes with their author's name, then the
tags and the media of the notes in the page, found by the page's range of change
numbers (index ix_observation_study_seq) rather than a list of 500 ids. The notes' query reads
one row past the page, which says whether more follow; with the sign-in read (sync/pull.py) a page
is four round trips to the database.
"""
import uuid
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import String, bindparam, select, type_coerce

from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.observations.content import CONTENT_FIELDS
from fieldnotes.observations.models import Attachment, Observation, observation_tag
from fieldnotes.studies.models import Tag

notes = Observation.__table__
media = Attachment.__table__
tags = Tag.__table__
users = User.__table__


def raw_id(column):
    """A note id as the driver gives it (uuid.UUID from psycopg, 32 hex digits from SQLite): a UUID object
    per row and per tag was a tenth of a pull's time; note_id() spells it once per note."""
    return type_coerce(column, String)


def as_text(column):
    """An enum column as the text it is stored as (its value, enum_column): SQLAlchemy's lookup of the
    enum member for each row, turned back into the same text by str(), was a sixth of a page on PostgreSQL."""
    return type_coerce(column, String)


def note_id(raw):
    """A UUID in its canonical spelling, from what raw_id() read."""
    if isinstance(raw, uuid.UUID):
        return str(raw)
    return f"{raw[:8]}-{raw[8:12]}-{raw[12:16]}-{raw[16:20]}-{raw[20:]}"


def raw_time(column):
    """A time as the driver gives it: SQLAlchemy's parse of SQLite's text, then the UTC decorator, cost a
    fifth of a pull; time_text() spells it straight from what the driver gave."""
    return type_coerce(column, String)


def time_text(raw):
    """ISO 8601 in UTC, as content.iso spells it: SQLite keeps naive UTC text, psycopg gives aware times."""
    if raw is None:
        return None
    if isinstance(raw, str):
        return datetime.fromisoformat(raw).replace(tzinfo=UTC).isoformat()
    return raw.astimezone(UTC).isoformat()


# Built once with bound parameters: SQLAlchemy then finds each compiled statement by its cache key
# instead of building and hashing three new statements per page.
STUDY, AFTER, LAST, LIMIT = (bindparam(name) for name in ("study_id", "after", "last", "limit"))
IN_PAGE = (notes.c.study_id == STUDY, notes.c.seq > AFTER, notes.c.seq <= LAST)

# The page's notes in change order, each with its author's name, and one more if there is one: that row
# says "more" (has_more) for the price of one row, where a probe after the page was a round trip.
NOTE_ROWS = (
    select(*(as_text(notes.c.kind) if field == "kind" else notes.c[field] for field in CONTENT_FIELDS),
           raw_id(notes.c.id), notes.c.seq, notes.c.version, raw_time(notes.c.captured_at),
           raw_time(notes.c.updated_at), notes.c.client_time_suspect, raw_time(notes.c.deleted_at),
           users.c.name.label("author"))
    .join(users, users.c.id == notes.c.author_id)
    .where(notes.c.study_id == STUDY, notes.c.seq > AFTER)
    .order_by(notes.c.seq).limit(LIMIT))

# Tag names of the page's notes, by name as Observation.tags orders them.
TAG_NAMES = (
    select(raw_id(observation_tag.c.observation_id), tags.c.name)
    .join(notes, notes.c.id == observation_tag.c.observation_id)
    .join(tags, tags.c.id == observation_tag.c.tag_id)
    .where(*IN_PAGE).order_by(tags.c.name))

# Media of the page's notes, oldest first as Observation.media orders them, with their upload status.
MEDIA_ENTRIES = (
    select(raw_id(media.c.observation_id).label("observation_id"), raw_id(media.c.id).label("id"),
           as_text(media.c.slot).label("slot"), media.c.sha256, media.c.size, media.c.mime,
           as_text(media.c.status).label("status"))
    .join(notes, notes.c.id == media.c.observation_id)
    .where(*IN_PAGE).order_by(media.c.created_at, media.c.id))


def note_rows(study_id, after, limit):
    return db.session.execute(NOTE_ROWS, {"study_id": study_id, "after": after, "limit": limit + 1}).all()


def tag_names(study_id, after, last):
    names = defaultdict(list)
    for note_id, name in db.session.execute(TAG_NAMES, {"study_id": study_id, "after": after, "last": last}):
        names[note_id].append(name)
    return names


def media_entries(study_id, after, last):
    entries = defaultdict(list)
    for row in db.session.execute(MEDIA_ENTRIES, {"study_id": study_id, "after": after, "last": last}):
        entries[row.observation_id].append({"id": note_id(row.id), "slot": row.slot, "sha256": row.sha256,
                                            "size": row.size, "mime": row.mime, "status": row.status})
    return entries


FIELDS = len(CONTENT_FIELDS)


def note_state(row, tag_list, media_list):
    """The same dict as observations.content.note_state, keys in the same order."""
    data = dict(zip(CONTENT_FIELDS, row[:FIELDS]))  # by position: a lookup by name per field cost more
    raw, seq, version, captured_at, updated_at, suspect, deleted_at, author = row[FIELDS:]
    data["tags"] = tag_list
    data["captured_at"] = time_text(captured_at)
    data["media"] = media_list
    data["author"] = author
    data["synced_at"] = time_text(updated_at)
    data["client_time_suspect"] = suspect
    return {"entity": "observation", "id": note_id(raw), "version": version, "seq": seq,
            "deleted": deleted_at is not None, "data": data}


def page_states(study_id, after, limit):
    """(states of up to `limit` changes after `after`, the last change number in the page or `after`,
    whether the study has changes after the page)."""
    rows = note_rows(study_id, after, limit)
    if not rows:
        return [], after, False
    has_more = len(rows) > limit
    rows = rows[:limit]
    last = rows[-1].seq
    names, entries = tag_names(study_id, after, last), media_entries(study_id, after, last)
    return ([note_state(row, names.get(row[FIELDS], []), entries.get(row[FIELDS], [])) for row in rows],
            last, has_more)
