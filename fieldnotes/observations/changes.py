"""A note's change stream: the epoch, the one change counter, and every new version of a note.

This module is the only writer of a note's version and change number. Every
feature that changes a note (a phone's push, the bulk insert of new notes, an
edit or a tag on the laptop, a tag renamed or merged, a participant erased,
media declared or verified, and every writer still to come) calls it, so phones
hear of every change, and history is kept the same way whoever wrote.

Change numbers come from the one counter (observations/counter.py), held
until commit by whoever takes numbers from it, so they commit in the order they
were handed out and a pull that reads `seq > cursor` can never pass a number
whose transaction is still open (the hole that PostgreSQL sequences leave).
Hence: lock_counter() (or a Counter) before any other write, or, for a push,
number_late() first and number_changes() just before commit;
then the functions below. Callers commit.
"""
import uuid
from functools import lru_cache
from types import SimpleNamespace
from typing import NamedTuple

from sqlalchemy import insert

from fieldnotes.auth.models import utcnow
from fieldnotes.extensions import db
from fieldnotes.observations import service, summaries, tags_on_row
from fieldnotes.observations.content import loaded_content, note_content
from fieldnotes.observations.counter import (  # noqa: F401  (the counter's names, offered here as ever)
    ROW, Counter, counter_mark, counter_row, current_counter, current_epoch, lock_counter, new_epoch, next_seq,
    number_as_written, number_changes, number_late, numbered_epoch, restart_epoch, shifted, table, take_seqs)
from fieldnotes.observations.models import Attachment, Observation, Revision, RevisionKind, observation_tag


# New versions of notes

def new_version(note):
    """Version + 1 and the next change number: the step every versioned write takes."""
    note.version = (note.version or 0) + 1
    note.seq = next_seq()


def resend_media(note):
    """The note's media changed state (declared, verified): pulls carry it again, at the same version."""
    note.seq = next_seq()


def keep_version(note, author_id, content, device_id=None):
    """A new version of the note, kept in its history as an edit revision of `content`."""
    new_version(note)
    note.revisions.append(Revision(version=note.version, data=content, author_id=author_id,
                                   device_id=device_id, kind=RevisionKind.EDIT))


def record_edit(note, author_id):
    """The note's fields, changed in place by an editor, become its next version."""
    new_version(note)
    note.updated_at = utcnow()
    note.revisions.append(Revision(version=note.version, data=note_content(note), author_id=author_id,
                                   kind=RevisionKind.EDIT))


def write_note(note, data, author_id, device_id=None):
    """A phone's full data (validated) becomes the note's next version: fields, tags, media, history."""
    fill(note, data)
    keep_version(note, author_id, loaded_content(data), device_id)


def keep_conflict(note, base_version, content, author_id, device_id=None):
    """A version that lost a race: kept as a revision so nothing is lost silently; the note stays as it is.

    Except on a note whose participant was erased: a phone that edited it before it heard of the
    erasure sends their words back, and erasure wins. The revision records only that it happened.
    """
    if was_erased(note):
        content = {"erased": True, "withheld": "A version from before the participant was erased."}
    note.revisions.append(Revision(version=base_version, data=content, author_id=author_id,
                                   device_id=device_id, kind=RevisionKind.CONFLICT))


def was_erased(note):
    """The note's history was cut when a participant was erased (observations/erase.py marks it)."""
    return any(r.kind == RevisionKind.EDIT and r.data.get("erased") for r in note.revisions)


def tombstone(note):
    """Deleted, as a new version: phones pull the deletion."""
    note.deleted_at = note.updated_at = utcnow()
    new_version(note)


def write_new_notes(author_id, device_id, items, tag_cache=None, write_rows=None):
    """Notes the server has never seen, as [(note id, validated data)]: [Written] in the same order.

    Their change numbers come from one counter update (holding the counter, so in
    commit order); their rows (note, tag links, media, revision) from one executemany
    each, not ORM objects, since nothing in the request reads them back. The rows
    are those write_note would make. Raises IntegrityError when the database refuses
    a row; the caller's savepoint then undoes the lot. `write_rows(table, rows)` replaces
    the executemany (a CSV import's driver-level bulk writer, imports/bulk.py). `tag_cache`
    (service.cache_tags' {(study id, name_key): tag}) may be filled by the caller: only the
    tags' ids are read here, so a push's checks put light rows in it (service.TagId).
    """
    seqs = take_seqs(len(items))
    tag_cache = {} if tag_cache is None else tag_cache
    for study_id, names in names_by_study(items).items():
        service.cache_tags(study_id, names, tag_cache)  # one read for the lot, so none inside the loop
    now = utcnow()
    notes, links, media, revisions = [], [], [], []
    for (note_id, data), seq in zip(items, seqs):
        fields = SimpleNamespace()
        service.write_fields(fields, data, now)  # the columns an edit would set, as a row
        notes.append({"id": note_id, "study_id": data["study_id"], "author_id": author_id,
                      "created_by_device": device_id, **vars(fields),
                      "received_at": now, "version": 1, "seq": seq, "deleted_at": None})
        links.extend({"observation_id": note_id, "tag_id": tag.id}
                     for tag in service.tags_named(data["study_id"], data["tags"], tag_cache))
        media.extend(service.media_fields(note_id, data["media"]))
        revisions.append({"observation_id": note_id, "version": 1, "data": loaded_content(data),
                          "author_id": author_id, "device_id": device_id, "kind": RevisionKind.EDIT})
    connection = db.session.connection()
    statements = new_note_rows(connection.dialect.name)
    tags_on_row.carried(connection.dialect.name, notes, links)  # each note's tag ids on its row, written with it
    for statement, rows in zip(statements, (notes, links, media, revisions)):
        if not rows:
            continue
        if write_rows:
            write_rows(statement.table, rows)
        elif rows is links:
            tags_on_row.insert_links(connection, statement, rows)  # on PostgreSQL a note's links in one statement
        else:
            connection.execute(statement, rows)
    summaries.count_new_notes(notes, links, media)  # every other write is counted at flush (summaries/upkeep.py)
    return [Written(row["id"], 1, row["seq"]) for row in notes]


# Built once, run on the session's connection: the ORM's execute path and a new statement per push
# cost more than the rows' own INSERTs for a phone's usual handful of notes (issue 11, session 5).
NEW_NOTE_ROWS = tuple(insert(table) for table in (Observation.__table__, observation_tag, Attachment.__table__,
                                                   Revision.__table__))


@lru_cache(maxsize=2)
def new_note_rows(dialect_name):
    """NEW_NOTE_ROWS; on PostgreSQL the notes' with their tag ids (observations/tags_on_row.py)."""
    if dialect_name != "postgresql":
        return NEW_NOTE_ROWS
    return (insert(tags_on_row.notes_table()), *NEW_NOTE_ROWS[1:])


class Written(NamedTuple):
    """A new note as written: what its answer and its caller need, without loading it back."""
    id: uuid.UUID
    version: int
    seq: int


def names_by_study(items):
    names = {}
    for _, data in items:
        names.setdefault(data["study_id"], []).extend(data["tags"])
    return names


def fill(note, data):
    """Fields, tags (by name, made when new) and declared media from validated data."""
    service.write_fields(note, data)
    note.tags = service.tags_named(note.study_id, data["tags"])
    service.set_media(note, data["media"])
