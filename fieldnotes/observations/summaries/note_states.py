"""A note's counted state (its cell, kind, author, tags, media slots, attention, day) as the database holds it."""
from collections import defaultdict

from sqlalchemy import bindparam, exists, func, select

from fieldnotes.observations.models import Attachment, Kind, Revision, RevisionKind, Slot, observation_tag
from fieldnotes.observations.summaries.deltas import Counted, key_id, note_table, utc_day

CHUNK = 500  # ids per IN list


def attention_of(note):
    """A conflict kept since the note was last changed (as the browse filter reads it)."""
    return exists().where(Revision.observation_id == note.c.id, Revision.kind == RevisionKind.CONFLICT,
                          Revision.created_at >= note.c.updated_at)


def counted_states(connection, ids, lock=False):
    """{note id: Counted} for the live notes among ids, as the database holds them now."""
    found = {}
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        found.update(counted_chunk(connection, ids[start:start + CHUNK], lock))
    return found


def counted_chunk(connection, ids, lock):
    query = LOCKED_STATE if lock and connection.dialect.name == "postgresql" else STATE
    rows = [r for r in connection.execute(query, {"ids": ids}) if r.deleted_at is None]
    if not rows:
        return {}
    live = {"ids": [r.id for r in rows]}
    tags, slots = defaultdict(set), defaultdict(set)
    for note_id, tag_id in connection.execute(TAGS_OF, live):
        tags[note_id].add(tag_id)
    for note_id, slot in connection.execute(SLOTS_OF, live):
        slots[note_id].add(Slot(slot))
    return {r.id: Counted(r.study_id, tuple(key_id(v) for v in (r.touchpoint_id, r.role_id, r.participant_id,
                                                                 r.visit_id)),
                          Kind(r.kind), r.author_id, frozenset(tags[r.id]), frozenset(slots[r.id]),
                          bool(r.attention), utc_day(r.captured_at))
            for r in rows}


# Built once (the same for every push): a note's counted columns, its tags and its media slots, by id.
_ids = bindparam("ids", expanding=True)
STATE = select(note_table.c.id, note_table.c.study_id, note_table.c.touchpoint_id, note_table.c.role_id,
               note_table.c.participant_id, note_table.c.visit_id, note_table.c.kind, note_table.c.author_id,
               note_table.c.captured_at, note_table.c.deleted_at,
               attention_of(note_table).label("attention")).where(note_table.c.id.in_(_ids))
LOCKED_STATE = STATE.with_for_update(of=note_table)
TAGS_OF = select(observation_tag.c.observation_id, observation_tag.c.tag_id).where(
    observation_tag.c.observation_id.in_(_ids))
SLOTS_OF = select(Attachment.__table__.c.observation_id, Attachment.__table__.c.slot).distinct().where(
    Attachment.__table__.c.observation_id.in_(_ids))
LATEST_CONFLICT = select(Revision.observation_id, func.max(Revision.created_at)).where(
    Revision.observation_id.in_(_ids), Revision.kind == RevisionKind.CONFLICT).group_by(Revision.observation_id)


def read_parts(connection, ids):
    """{note id: {"tags", "media", "attention"}} read from the database, deleted or not; "attention" is the time
    of the note's latest conflict kept (or None), which Partial.counted compares with its updated_at as loaded."""
    parts = {i: {"tags": set(), "media": set(), "attention": None} for i in ids}
    for start in range(0, len(ids), CHUNK):
        chunk = {"ids": ids[start:start + CHUNK]}
        for note_id, tag_id in connection.execute(TAGS_OF, chunk):
            parts[note_id]["tags"].add(tag_id)
        for note_id, slot in connection.execute(SLOTS_OF, chunk):
            parts[note_id]["media"].add(Slot(slot))
        for note_id, latest in connection.execute(LATEST_CONFLICT, chunk):
            parts[note_id]["attention"] = latest
    return {i: {"tags": frozenset(p["tags"]), "media": frozenset(p["media"]), "attention": p["attention"]}
            for i, p in parts.items()}
