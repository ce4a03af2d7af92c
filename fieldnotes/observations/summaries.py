"""Counts kept on write: each study's live notes per journey cell and per facet value (issue 11).

Browse with no filter and the journey matrix read these few rows instead of grouping every
note, so they cost the same at 10,000 notes as at a million. They are kept right in the same
transaction as every write:

- notes written as rows (`changes.write_new_notes`) add their counts from those rows (count_new_notes);
- every other write changes notes as ORM objects (a push's update or delete, an edit, a tag,
  a rename or merge, an erasure, a conflict kept), often mutating the note before it reaches
  observations/changes.py. Only the flush knows for sure what is about to change, so a flush
  listener reads each touched note's counted state from the database before the first flush that
  changes it in the transaction (locking its row, so a concurrent writer cannot slip between the
  read and the commit), and just before the commit reads the touched notes again and moves the
  counts by the difference: a push of 200 edits reads each note once and writes the counts once;
- bulk loaders that write rows directly (a study archive, the large demo seeds) rebuild their
  study's summaries at the end (rebuild); `flask rebuild-summaries` does it for every study.

A note counts while it is live (not deleted). recount() is the direct recount the drift tests
compare the kept counts with.
"""
from collections import Counter, defaultdict
from typing import NamedTuple

from sqlalchemy import case, delete, distinct, event, exists, func, insert, inspect, literal, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fieldnotes.extensions import db
from fieldnotes.observations.models import (NONE_ID, Attachment, FacetCount, JourneyCount, Kind, Observation,
                                            Revision, RevisionKind, Slot, observation_tag)
from fieldnotes.studies.models import Tag

PAIN = (Kind.BREAKDOWN, Kind.WORKAROUND)
CHUNK = 500  # ids per IN list
# A note's attributes whose change can move a count (a new change number alone cannot).
COUNTED = ("study_id", "touchpoint_id", "role_id", "participant_id", "visit_id", "kind", "author_id",
           "deleted_at", "updated_at", "tags", "media", "revisions")
PENDING = "fieldnotes.summaries.pending"
note_table, journey_table, facet_table = Observation.__table__, JourneyCount.__table__, FacetCount.__table__
JOURNEY_KEY = ("study_id", "touchpoint_id", "role_id", "participant_id", "visit_id")
FACET_KEY = ("study_id", "facet", "value")


class Counted(NamedTuple):
    """What one live note adds to its study's summaries."""
    study_id: int
    cell: tuple  # (touchpoint, role, participant, visit), NONE_ID for none
    kind: Kind
    author_id: int
    tags: frozenset
    slots: frozenset
    attention: bool


def key_id(value):
    return NONE_ID if value is None else value


class Deltas:
    """Changes to summary rows, gathered and then written in one statement per table."""

    def __init__(self):
        self.journey = defaultdict(lambda: [0, 0, 0])
        self.facets = Counter()

    def add(self, counted, sign=1):
        kind = Kind(counted.kind)
        cell = self.journey[(counted.study_id, *counted.cell)]
        cell[0] += sign
        cell[1] += sign * (kind in PAIN)
        cell[2] += sign * (kind == Kind.DELIGHT)
        study = counted.study_id
        self.facets[(study, "kind", kind.value)] += sign
        self.facets[(study, "author", str(counted.author_id))] += sign
        for tag_id in counted.tags:
            self.facets[(study, "tag", str(tag_id))] += sign
        for slot in counted.slots:
            self.facets[(study, "media", Slot(slot).value)] += sign
        if counted.attention:
            self.facets[(study, "attention", "")] += sign

    def merge(self, other):
        for key, (n, p, d) in other.journey.items():
            cell = self.journey[key]
            cell[0] += n
            cell[1] += p
            cell[2] += d
        self.facets.update(other.facets)

    def forget_study(self, study_id):
        for key in [k for k in self.journey if k[0] == study_id]:
            del self.journey[key]
        for key in [k for k in self.facets if k[0] == study_id]:
            del self.facets[key]

    def apply(self, connection):
        # Sorted, so two transactions touching the same rows take their locks in the same order.
        journey = [dict(zip(JOURNEY_KEY, key), notes=n, pain=p, delight=d)
                   for key, (n, p, d) in sorted(self.journey.items()) if (n, p, d) != (0, 0, 0)]
        facets = [dict(zip(FACET_KEY, key), notes=n) for key, n in sorted(self.facets.items()) if n]
        for table, keys, rows, added in ((journey_table, JOURNEY_KEY, journey, ("notes", "pain", "delight")),
                                         (facet_table, FACET_KEY, facets, ("notes",))):
            if rows:
                connection.execute(adding(connection, table, keys, added), rows)


def adding(connection, table, keys, added):
    """INSERT a summary row, or add to the one there (one atomic statement on both databases)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    return statement.on_conflict_do_update(
        index_elements=list(keys), set_={c: table.c[c] + statement.excluded[c] for c in added})


# Reading notes' counted state from the database

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
    note = note_table
    query = select(note.c.id, note.c.study_id, note.c.touchpoint_id, note.c.role_id, note.c.participant_id,
                   note.c.visit_id, note.c.kind, note.c.author_id, note.c.deleted_at,
                   attention_of(note).label("attention")).where(note.c.id.in_(ids))
    if lock and connection.dialect.name == "postgresql":
        query = query.with_for_update(of=note)
    rows = [r for r in connection.execute(query) if r.deleted_at is None]
    if not rows:
        return {}
    live = [r.id for r in rows]
    tags, slots = defaultdict(set), defaultdict(set)
    for note_id, tag_id in connection.execute(select(observation_tag.c.observation_id, observation_tag.c.tag_id)
                                              .where(observation_tag.c.observation_id.in_(live))):
        tags[note_id].add(tag_id)
    media = Attachment.__table__
    for note_id, slot in connection.execute(select(media.c.observation_id, media.c.slot).distinct()
                                            .where(media.c.observation_id.in_(live))):
        slots[note_id].add(Slot(slot))
    return {r.id: Counted(r.study_id, tuple(key_id(v) for v in (r.touchpoint_id, r.role_id, r.participant_id,
                                                                 r.visit_id)),
                          Kind(r.kind), r.author_id, frozenset(tags[r.id]), frozenset(slots[r.id]),
                          bool(r.attention))
            for r in rows}


# Writes as rows

def count_new_notes(notes, links, media):
    """New notes written as rows (changes.write_new_notes): their counts, from the same rows."""
    tags, slots = defaultdict(set), defaultdict(set)
    for link in links:
        tags[link["observation_id"]].add(link["tag_id"])
    for row in media:
        slots[row["observation_id"]].add(Slot(row["slot"]))
    deltas = Deltas()
    for row in notes:
        deltas.add(Counted(row["study_id"], tuple(key_id(row[c]) for c in JOURNEY_KEY[1:]), Kind(row["kind"]),
                           row["author_id"], frozenset(tags[row["id"]]), frozenset(slots[row["id"]]), False))
    # Written at commit with the rest, not now: a summary row is shared by every writer of the study, so
    # holding its lock from here to commit would queue every other push behind this one (issue 11, item 5).
    session = db.session()
    touched_in(session).new_rows.append((session.get_nested_transaction() or session.get_transaction(), deltas))


# Writes as ORM objects: the flush listener

def touched_notes(session):
    """Ids of notes already in the database whose counts this flush may move."""
    ids = set()
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, Observation):
            if obj in session.deleted or changed(obj):
                ids.add(obj.id)
        elif isinstance(obj, (Attachment, Revision)):
            ids.add(owner_id(obj))
    for obj in session.new:
        if isinstance(obj, (Attachment, Revision)):
            ids.add(owner_id(obj))
    ids.discard(None)
    return ids


def changed(note):
    state = inspect(note)
    return any(state.attrs[name].history.has_changes() for name in COUNTED)


def owner_id(obj):
    """The note an attachment or revision belongs to, set by id or by relationship."""
    if obj.observation_id is not None:
        return obj.observation_id
    note = inspect(obj).attrs.observation.loaded_value
    return getattr(note, "id", None)


class Touched:
    """The notes this transaction has changed, each with what it counted before the first change."""

    def __init__(self):
        self.before = {}   # note id -> Counted, or None: counted nothing (new, deleted, or not there)
        self.taken_in = {}  # note id -> the (nested) transaction whose flush read `before`
        self.dropped_tags = set()
        self.new_rows = []  # (the (nested) transaction that wrote them, Deltas) from count_new_notes

    def take(self, session, ids):
        """Read the counted state of notes not yet touched, before this flush changes them."""
        fresh = [i for i in ids if i not in self.before]
        if not fresh:
            return
        states = counted_states(session.connection(), fresh, lock=True)
        transaction = session.get_nested_transaction() or session.get_transaction()
        for note_id in fresh:
            self.before[note_id] = states.get(note_id)
            self.taken_in[note_id] = transaction

    def forget_undone(self, undone):
        """A savepoint rolled back: its notes are as they were read before it, so reading them again at
        their next change is right; and on PostgreSQL it let go of their row locks, so it is needed."""
        for note_id, transaction in list(self.taken_in.items()):
            while transaction is not None and transaction is not undone:
                transaction = transaction.parent
            if transaction is undone:
                del self.before[note_id], self.taken_in[note_id]
        self.new_rows = [(t, deltas) for t, deltas in self.new_rows if not within(t, undone)]


def within(transaction, outer):
    """Whether `transaction` is `outer` or nested inside it."""
    while transaction is not None and transaction is not outer:
        transaction = transaction.parent
    return transaction is outer


def touched_in(session):
    return session.info.setdefault(PENDING, Touched())


@event.listens_for(Session, "before_flush")
def before_flush(session, flush_context, instances):
    """Read what the notes this flush changes counted before (the first time this transaction changes them)."""
    new_notes = [obj.id for obj in session.new if isinstance(obj, Observation)]
    touched = touched_notes(session) | set(new_notes)
    dropped_tags = {obj.id for obj in session.deleted if isinstance(obj, Tag)}
    if touched or dropped_tags:
        pending = touched_in(session)
        pending.take(session, touched - set(new_notes))
        for note_id in new_notes:
            pending.before.setdefault(note_id, None)
            pending.taken_in.setdefault(note_id, session.get_nested_transaction() or session.get_transaction())
        pending.dropped_tags |= dropped_tags


@event.listens_for(Session, "before_commit")
def before_commit(session):
    """Once per transaction, however many flushes: read the touched notes as they are now, and move the
    counts by the difference (one read per 500 notes, one statement per summary table)."""
    if session.in_nested_transaction():
        return  # a savepoint: its notes are counted when the whole transaction commits
    session.flush()  # what commit would flush next, so the notes are read as they will be committed
    pending = session.info.pop(PENDING, None)
    if pending is None:
        return
    connection = session.connection()
    after = counted_states(connection, pending.before)
    deltas = Deltas()
    for counted in pending.before.values():
        if counted is not None:
            deltas.add(counted, -1)
    for counted in after.values():
        deltas.add(counted)
    for _, added in pending.new_rows:
        deltas.merge(added)
    deltas.apply(connection)
    if pending.dropped_tags:  # the database dropped the tag's links with it (ON DELETE CASCADE)
        connection.execute(delete(facet_table).where(facet_table.c.facet == "tag", facet_table.c.value.in_(
            [str(t) for t in sorted(pending.dropped_tags)])))


@event.listens_for(Session, "after_soft_rollback")
def after_soft_rollback(session, previous_transaction):
    pending = session.info.get(PENDING)
    if pending is None:
        return
    if previous_transaction.nested:
        pending.forget_undone(previous_transaction)
    else:
        session.info.pop(PENDING, None)


@event.listens_for(Session, "after_transaction_end")
def after_transaction_end(session, transaction):
    if transaction.parent is None:  # committed (counted already), rolled back or closed: start afresh
        session.info.pop(PENDING, None)


# Recounting from the notes

def recount(study_id):
    """({journey key: (notes, pain, delight)}, {facet key: notes}) for the study, counted from its notes now."""
    note = note_table
    live = (note.c.study_id == study_id, note.c.deleted_at.is_(None))
    cell = [func.coalesce(note.c[c], NONE_ID) for c in JOURNEY_KEY[1:]]
    pain = func.sum(case((note.c.kind.in_([k.value for k in PAIN]), 1), else_=0))
    delight = func.sum(case((note.c.kind == Kind.DELIGHT.value, 1), else_=0))
    journey = {(study_id, *row[:4]): tuple(int(v) for v in row[4:]) for row in db.session.execute(
        select(*cell, func.count(), pain, delight).where(*live).group_by(*cell))}
    facets = {}
    media, link = Attachment.__table__, observation_tag
    for facet, query in (
            ("kind", select(note.c.kind, func.count()).where(*live).group_by(note.c.kind)),
            ("author", select(note.c.author_id, func.count()).where(*live).group_by(note.c.author_id)),
            ("tag", select(link.c.tag_id, func.count()).join(note, note.c.id == link.c.observation_id)
             .where(*live).group_by(link.c.tag_id)),
            ("media", select(media.c.slot, func.count(distinct(note.c.id)))
             .join(note, note.c.id == media.c.observation_id).where(*live).group_by(media.c.slot)),
            ("attention", select(literal(""), func.count()).where(*live, attention_of(note)))):
        for value, n in db.session.execute(query):
            if n:
                facets[(study_id, facet, value.value if hasattr(value, "value") else str(value))] = n
    return journey, facets


def stored(study_id):
    """The kept counts in recount()'s shape, rows at zero left out."""
    journey = {tuple(r[:5]): (r.notes, r.pain, r.delight) for r in db.session.execute(
        select(journey_table).where(journey_table.c.study_id == study_id))
        if (r.notes, r.pain, r.delight) != (0, 0, 0)}
    facets = {tuple(r[:3]): r.notes for r in db.session.execute(
        select(facet_table).where(facet_table.c.study_id == study_id)) if r.notes}
    return journey, facets


def rebuild(study_id):
    """The study's summaries counted afresh (after a bulk load that wrote rows directly). Callers commit."""
    db.session.flush()
    pending = db.session.info.get(PENDING)
    if pending is not None and pending.before:  # counted now: at commit only later changes move the counts
        now = counted_states(db.session.connection(), pending.before)
        for note_id, before in pending.before.items():
            if getattr(now.get(note_id), "study_id", None) == study_id or getattr(before, "study_id", None) == study_id:
                pending.before[note_id] = now.get(note_id)
    if pending is not None:  # new rows not yet counted are in the recount below
        for _, deltas in pending.new_rows:
            deltas.forget_study(study_id)
    for table in (journey_table, facet_table):
        db.session.execute(delete(table).where(table.c.study_id == study_id))
    journey, facets = recount(study_id)
    if journey:
        db.session.execute(insert(journey_table), [dict(zip(JOURNEY_KEY, k), notes=n, pain=p, delight=d)
                                                   for k, (n, p, d) in journey.items()])
    if facets:
        db.session.execute(insert(facet_table), [dict(zip(FACET_KEY, k), notes=n) for k, n in facets.items()])


# Reading the kept counts (explore)

class Cell(NamedTuple):
    touchpoint_id: int | None
    role_id: int | None
    participant_id: int | None
    visit_id: int | None
    notes: int
    pain: int
    delight: int


def journey_cells(study_id):
    """The study's journey rows with notes, ids as the notes hold them (None for none)."""
    t = journey_table
    rows = db.session.execute(select(t.c.touchpoint_id, t.c.role_id, t.c.participant_id, t.c.visit_id,
                                     t.c.notes, t.c.pain, t.c.delight)
                              .where(t.c.study_id == study_id, t.c.notes > 0))
    return [Cell(*(None if v == NONE_ID else v for v in r[:4]), *r[4:]) for r in rows]


def facet_counts(study_id):
    """{facet: {value: notes}} for kind (Kind), author and tag (ids), media (Slot) and attention ("")."""
    found = defaultdict(dict)
    read = {"kind": Kind, "media": Slot, "author": int, "tag": int, "attention": str}
    for facet, value, n in db.session.execute(select(facet_table.c.facet, facet_table.c.value, facet_table.c.notes)
                                              .where(facet_table.c.study_id == study_id, facet_table.c.notes > 0)):
        found[facet][read[facet](value)] = n
    return found
