"""One page of a study's change stream read as plain rows, not ORM objects.

Pull is the busiest read a phone makes and its answer is plain data, so it skips
the ORM: building objects with three eager loads cost more than the database
work (issue 11; docs/benchmarks.md). Three Core queries make the same dicts as
`observations.content.note_state` does from a loaded note (tests/test_sync_pull_rows.py
checks them equal, key for key): the notes with their author's name, then the
tags and the media of the notes in the page, found by the page's range of change
numbers (index ix_observation_study_seq) rather than a list of 500 ids.
"""
import uuid
from collections import defaultdict
from datetime import UTC, datetime

from sqlalchemy import String, select, type_coerce

from fieldnotes.auth.models import User
from fieldnotes.extensions import db
from fieldnotes.observations.content import CONTENT_FIELDS
from fieldnotes.observations.models import Attachment, Observation, observation_tag
from fieldnotes.studies.models import Tag

notes = Observation.__table__
media = Attachment.__table__
tags = Tag.__table__
users = User.__table__


def in_page(study_id, after, last):
    """The notes of the page: this study's, change numbers in (after, last]."""
    return (notes.c.study_id == study_id, notes.c.seq > after, notes.c.seq <= last)


def note_rows(study_id, after, limit):
    """The page's notes in change order, each with its author's name."""
    return db.session.execute(
        select(*(notes.c[field] for field in CONTENT_FIELDS), raw_id(notes.c.id), notes.c.seq, notes.c.version,
               raw_time(notes.c.captured_at), raw_time(notes.c.updated_at), notes.c.client_time_suspect,
               notes.c.deleted_at,
               users.c.name.label("author"))
        .join(users, users.c.id == notes.c.author_id)
        .where(notes.c.study_id == study_id, notes.c.seq > after)
        .order_by(notes.c.seq).limit(limit)).all()


def tag_names(study_id, after, last):
    """Tag names per note, by name as Observation.tags orders them."""
    rows = db.session.execute(
        select(raw_id(observation_tag.c.observation_id), tags.c.name)
        .join(notes, notes.c.id == observation_tag.c.observation_id)
        .join(tags, tags.c.id == observation_tag.c.tag_id)
        .where(*in_page(study_id, after, last)).order_by(tags.c.name))
    names = defaultdict(list)
    for note_id, name in rows:
        names[note_id].append(name)
    return names


def media_entries(study_id, after, last):
    """Media per note, oldest first as Observation.media orders them, with their upload status."""
    rows = db.session.execute(
        select(raw_id(media.c.observation_id).label("observation_id"), media.c.id, media.c.slot,
               media.c.sha256, media.c.size, media.c.mime, media.c.status)
        .join(notes, notes.c.id == media.c.observation_id)
        .where(*in_page(study_id, after, last)).order_by(media.c.created_at, media.c.id))
    entries = defaultdict(list)
    for row in rows:
        entries[row.observation_id].append({"id": str(row.id), "slot": str(row.slot), "sha256": row.sha256,
                                            "size": row.size, "mime": row.mime, "status": str(row.status)})
    return entries


def raw_id(column):
    """A note id as the driver gives it (uuid.UUID from psycopg, 32 hex digits from SQLite): a UUID object
    per row and per tag was a tenth of a pull's time; note_id() spells it once per note."""
    return type_coerce(column, String)


def note_id(raw):
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


FIELDS = len(CONTENT_FIELDS)


def note_state(row, tag_list, media_list):
    """The same dict as observations.content.note_state, keys in the same order."""
    data = dict(zip(CONTENT_FIELDS, row[:FIELDS]))  # by position: a lookup by name per field cost more
    raw, seq, version, captured_at, updated_at, suspect, deleted_at, author = row[FIELDS:]
    data["kind"] = str(data["kind"])
    data["tags"] = tag_list
    data["captured_at"] = time_text(captured_at)
    data["media"] = media_list
    data["author"] = author
    data["synced_at"] = time_text(updated_at)
    data["client_time_suspect"] = suspect
    return {"entity": "observation", "id": note_id(raw), "version": version, "seq": seq,
            "deleted": deleted_at is not None, "data": data}


def page_states(study_id, after, limit):
    """(states of up to `limit` changes after `after`, the last change number in the page or `after`)."""
    rows = note_rows(study_id, after, limit)
    if not rows:
        return [], after
    last = rows[-1].seq
    names, entries = tag_names(study_id, after, last), media_entries(study_id, after, last)
    return [note_state(row, names.get(row[FIELDS], []), entries.get(row[FIELDS], [])) for row in rows], last


def more_after(study_id, last):
    """Whether the study has a change after `last`: one index probe, not an extra note loaded."""
    return db.session.scalar(
        select(notes.c.seq).where(notes.c.study_id == study_id, notes.c.seq > last).limit(1)) is not None
