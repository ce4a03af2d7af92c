"""Recounting a study from its notes: what the drift tests compare with, and the rebuild after a bulk load."""
from datetime import date

from sqlalchemy import String, and_, case, cast, delete, distinct, func, insert, literal, select, union_all

from fieldnotes.extensions import db
from fieldnotes.observations.models import NONE_ID, Attachment, Kind, observation_tag
from fieldnotes.observations.summaries.deltas import (CELL_FACET_KEY, FACET_KEY, JOURNEY_KEY, PAIN, PAIR_KEY,
                                                      cell_facet_table, facet_table, journey_table, note_table,
                                                      pair_table)
from fieldnotes.observations.summaries.note_states import attention_of, counted_states
from fieldnotes.observations.summaries.upkeep import PENDING


def recount(study_id):
    """({journey key: (notes, pain, delight)}, {facet key: notes}, {cell facet key: notes}, {pair key: notes})
    for the study, counted from its notes now."""
    note = note_table
    live = (note.c.study_id == study_id, note.c.deleted_at.is_(None))
    cell = [func.coalesce(note.c[c], NONE_ID) for c in JOURNEY_KEY[1:]]
    pain = func.sum(case((note.c.kind.in_([k.value for k in PAIN]), 1), else_=0))
    delight = func.sum(case((note.c.kind == Kind.DELIGHT.value, 1), else_=0))
    journey = {(study_id, *row[:4]): tuple(int(v) for v in row[4:]) for row in db.session.execute(
        select(*cell, func.count(), pain, delight).where(*live).group_by(*cell))}
    facets, cells = {}, {}
    media, link = Attachment.__table__, observation_tag
    day = captured_day(note.c.captured_at)
    for facet, values, source, only in (
            ("kind", [note.c.kind], note, ()),
            ("author", [note.c.author_id], note, ()),
            ("tag", [link.c.tag_id], note.join(link, note.c.id == link.c.observation_id), ()),
            ("media", [media.c.slot], note.join(media, note.c.id == media.c.observation_id), ()),
            ("attention", [], note, (attention_of(note),))):  # one value: ""
        counted = (select(*cell, day, *values, func.count(distinct(note.c.id))).select_from(source)
                   .where(*live, *only).group_by(*cell, day, *values))
        for row in db.session.execute(counted):
            value = "" if not values else row[5].value if hasattr(row[5], "value") else str(row[5])
            facets[(study_id, facet, value)] = facets.get((study_id, facet, value), 0) + row[-1]
            cells[(study_id, *row[:4], date.fromisoformat(str(row[4])), facet, value)] = row[-1]
    return journey, facets, cells, recount_pairs(study_id)


def recount_pairs(study_id):
    """{pair key: notes}: the study's live notes per pair of two facets' values, counted from its notes."""
    values = facet_values(study_id)
    one, two = values.alias(), values.alias()
    pairs = (select(one.c.facet, one.c.value, two.c.facet, two.c.value, func.count())
             .select_from(one.join(two, and_(one.c.note == two.c.note, one.c.facet < two.c.facet)))
             .group_by(one.c.facet, one.c.value, two.c.facet, two.c.value))
    return {(study_id, *row[:4]): row[4] for row in db.session.execute(pairs)}


def facet_values(study_id):
    """(note, facet, value) for each value of kind, author, tag, media and attention a live note of the study
    has, each once (a note with two photos has media "photo" once), as deltas.Deltas counts them."""
    note, media, link = note_table, Attachment.__table__, observation_tag
    live = (note.c.study_id == study_id, note.c.deleted_at.is_(None))

    def named(facet, value, source=note, *where):
        return (select(note.c.id.label("note"), literal(facet, String(20)).label("facet"),
                       cast(value, String(40)).label("value")).select_from(source).where(*live, *where))
    return union_all(
        named("kind", note.c.kind), named("author", note.c.author_id),
        named("tag", link.c.tag_id, note.join(link, note.c.id == link.c.observation_id)),
        named("media", media.c.slot, note.join(media, note.c.id == media.c.observation_id)).distinct(),
        named("attention", literal("", String(40)), note, attention_of(note))).cte("facet_values")


def captured_day(captured_at):
    """The UTC day of a note's capture, in SQL (deltas.utc_day's day): PostgreSQL's date() would take the
    session's time zone; SQLite holds the UTC time (extensions.UTCDateTime) and answers the day as text."""
    if db.session.get_bind().dialect.name == "postgresql":
        return func.date(func.timezone("UTC", captured_at))
    return func.date(captured_at)


def stored(study_id):
    """The kept counts in recount()'s shape, rows at zero left out."""
    journey = {tuple(r[:5]): (r.notes, r.pain, r.delight) for r in db.session.execute(
        select(journey_table).where(journey_table.c.study_id == study_id))
        if (r.notes, r.pain, r.delight) != (0, 0, 0)}
    facets = {tuple(r[:3]): r.notes for r in db.session.execute(
        select(facet_table).where(facet_table.c.study_id == study_id)) if r.notes}
    cells = {tuple(r[:8]): r.notes for r in db.session.execute(
        select(cell_facet_table).where(cell_facet_table.c.study_id == study_id)) if r.notes}
    pairs = {tuple(r[:5]): r.notes for r in db.session.execute(
        select(pair_table).where(pair_table.c.study_id == study_id)) if r.notes}
    return journey, facets, cells, pairs


def rebuild(study_id):
    """The study's summaries counted afresh (after a bulk load that wrote rows directly). Callers commit."""
    db.session.flush()
    pending = db.session.info.get(PENDING)
    if pending is not None:
        pending.finish(db.session.connection())
    if pending is not None and pending.before:  # counted now: at commit only later changes move the counts
        now = counted_states(db.session.connection(), pending.before)
        for note_id, before in pending.before.items():
            if getattr(now.get(note_id), "study_id", None) == study_id or getattr(before, "study_id", None) == study_id:
                pending.before[note_id] = now.get(note_id)
    if pending is not None:  # new rows not yet counted are in the recount below
        for _, deltas in pending.new_rows:
            deltas.forget_study(study_id)
    for table in (journey_table, facet_table, cell_facet_table, pair_table):
        db.session.execute(delete(table).where(table.c.study_id == study_id))
    journey, facets, cells, pairs = recount(study_id)
    if journey:
        db.session.execute(insert(journey_table), [dict(zip(JOURNEY_KEY, k), notes=n, pain=p, delight=d)
                                                   for k, (n, p, d) in journey.items()])
    if facets:
        db.session.execute(insert(facet_table), [dict(zip(FACET_KEY, k), notes=n) for k, n in facets.items()])
    if cells:
        db.session.execute(insert(cell_facet_table), [dict(zip(CELL_FACET_KEY, k), notes=n) for k, n in cells.items()])
    if pairs:
        db.session.execute(insert(pair_table), [dict(zip(PAIR_KEY, k), notes=n) for k, n in pairs.items()])
