"""Many notes' next versions written as statements: a tag renamed or merged across a study.

Each note still becomes its next version as `changes.record_edit` makes one: version + 1, the next change
number (in id order), updated now, and an edit revision of its content as it now stands; so phones pull each
note once and its history reads the same whoever wrote it. Only the way differs: a few statements for every
500 notes, not about ten for each. Through the ORM, a merge of a tag on 40,401 notes at 1M notes took 386 s
and 443,623 statements, holding the change counter all along, so every push of every study waited behind it
(docs/benchmarks.md, "Issue 11, session 20"; now 21-31 s).

The kept counts (summaries) are moved at commit, as for an ORM write: the notes are handed to the flush
listener's record of touched notes first, which reads what each counted (locking its row). On PostgreSQL each
note's row gets its new tag ids with its version, before its links change, so the links' trigger
(tags_on_row.py) finds each array right and writes no note twice.
"""
from collections import defaultdict

from sqlalchemy import bindparam, select, update

from fieldnotes.auth.models import utcnow
from fieldnotes.extensions import db
from fieldnotes.observations import summaries, tags_on_row
from fieldnotes.observations.content import CONTENT_FIELDS, iso, media_entry
from fieldnotes.observations.counter import take_seqs
from fieldnotes.observations.models import Attachment, Observation, Revision, RevisionKind, observation_tag
from fieldnotes.studies.models import Tag

CHUNK = 500  # notes a round: ids per IN list, rows per executemany

notes = Observation.__table__
media = Attachment.__table__
_ids = bindparam("ids", expanding=True)
CONTENT = select(notes.c.id, notes.c.version, notes.c.captured_at, *(notes.c[f] for f in CONTENT_FIELDS)).where(
    notes.c.id.in_(_ids), notes.c.deleted_at.is_(None)).order_by(notes.c.id)
TAGS = select(observation_tag.c.observation_id, Tag.id, Tag.name).join(Tag).where(
    observation_tag.c.observation_id.in_(_ids))
MEDIA = select(media.c.observation_id, media.c.id, media.c.slot, media.c.sha256, media.c.size, media.c.mime).where(
    media.c.observation_id.in_(_ids)).order_by(media.c.created_at, media.c.id)


def record_edits(note_ids, author_id, moved_tags=None):
    """The live notes `note_ids` become their next versions, each tag id in `moved_tags` ({from: to}) taken as
    its target's (the caller then moves the links themselves). The counter must be held already (a Counter),
    as for any edit."""
    note_ids = sorted(note_ids)
    for start in range(0, len(note_ids), CHUNK):
        record_chunk(note_ids[start:start + CHUNK], author_id, moved_tags or {})
    forget_loaded(set(note_ids))


def record_chunk(note_ids, author_id, moved_tags):
    session = db.session()  # the Session itself: the flush listener keeps its record in its info
    summaries.touched_in(session).take(session, note_ids)  # what each counted, read before it changes
    connection = session.connection()
    rows = connection.execute(CONTENT, {"ids": note_ids}).all()
    if not rows:
        return  # deleted since they were chosen
    tags, attached = tags_after(connection, note_ids, moved_tags), media_of(connection, note_ids)
    now = utcnow()
    numbers = take_seqs(len(rows))  # in id order, as the rows are
    versions = [{"note": row.id, "next": row.version + 1, "number": seq} for row, seq in zip(rows, numbers)]
    if connection.dialect.name == "postgresql":
        for version in versions:
            version["tag_ids"] = sorted(tags[version["note"]])
    connection.execute(version_update(connection.dialect.name).values(updated_at=now), versions)
    connection.execute(Revision.__table__.insert(), [
        {"observation_id": row.id, "version": row.version + 1, "author_id": author_id, "device_id": None,
         "kind": RevisionKind.EDIT, "created_at": now, "data": content(row, tags[row.id], attached[row.id])}
        for row in rows])


def tags_after(connection, note_ids, moved_tags):
    """{note id: {tag id: name}} with each moved tag replaced by its target (once, if the note had both)."""
    tags = defaultdict(dict)
    names = {}
    for note_id, tag_id, name in connection.execute(TAGS, {"ids": note_ids}):
        names[tag_id] = name
        tags[note_id][tag_id] = name
    missing = set(moved_tags.values()) - set(names)
    if missing:
        names.update(connection.execute(select(Tag.id, Tag.name).where(Tag.id.in_(missing))).all())
    return {note_id: {moved_tags.get(t, t): names[moved_tags.get(t, t)] for t in held}
            for note_id, held in tags.items()} | {i: {} for i in note_ids if i not in tags}


def media_of(connection, note_ids):
    attached = defaultdict(list)
    for row in connection.execute(MEDIA, {"ids": note_ids}):
        attached[row.observation_id].append(media_entry(row))
    return attached


def content(row, tags, attached):
    """changes.note_content of the note as it now stands, from its row: its tags in name order, as
    explore.edits.set_tags gives them."""
    data = {field: getattr(row, field) for field in CONTENT_FIELDS}
    data["kind"] = str(row.kind)
    data["tags"] = sorted(tags.values())
    data["captured_at"] = iso(row.captured_at)
    data["media"] = attached
    return data


def version_update(dialect_name):
    """One note's next version by its key (an executemany); on PostgreSQL its tag ids with it."""
    table = tags_on_row.notes_table() if dialect_name == "postgresql" else notes
    values = {"version": bindparam("next"), "seq": bindparam("number")}
    if dialect_name == "postgresql":
        values[tags_on_row.COLUMN] = bindparam("tag_ids")
    return update(table).where(table.c.id == bindparam("note")).values(**values)


def forget_loaded(note_ids):
    """Notes the session holds as objects are stale now: they load again when next used."""
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, Observation) and obj.id in note_ids:
            db.session.expire(obj)
