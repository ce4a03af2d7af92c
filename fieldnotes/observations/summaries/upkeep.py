"""Counts kept in the same transaction as every write: new notes' rows, and a flush listener for the rest."""
from sqlalchemy import delete, event, inspect
from sqlalchemy.orm import Session

from fieldnotes.extensions import db
from fieldnotes.observations.models import NONE_ID, Attachment, Kind, Observation, Revision, Slot
from fieldnotes.observations.summaries.deltas import (JOURNEY_KEY, PAIN, Deltas, cell_facet_table, facet_table,
                                                      pair_table, utc_day)
from fieldnotes.observations.summaries.locked_notes import partial_of
from fieldnotes.observations.summaries.note_states import counted_states, read_parts
from fieldnotes.studies.models import Tag

# A note's attributes whose change can move a count (a new change number alone cannot).
COUNTED = ("study_id", "touchpoint_id", "role_id", "participant_id", "visit_id", "kind", "author_id",
           "deleted_at", "updated_at", "tags", "media", "revisions")
PENDING = "fieldnotes.summaries.pending"


@event.listens_for(Observation, "load")
def loaded(note, context):
    mark_if_locked(note, context)


@event.listens_for(Observation, "refresh")
def refreshed(note, context, attrs):
    mark_if_locked(note, context)


def mark_if_locked(note, context):
    """Remember a note the ORM loaded with FOR UPDATE (sync/push.py does, for each note a push changes):
    its loaded state is the database's until this transaction changes it, so it need not be read again."""
    if getattr(context.query, "_for_update_arg", None) is None or context.session is None:
        return
    session = context.session
    touched_in(session).locked[note.id] = session.get_nested_transaction() or session.get_transaction()


# Writes as rows

def count_new_notes(notes, links, media):
    """New notes written as rows (changes.write_new_notes): their counts, from the same rows.

    Added up straight from the rows (an import passes 5,000 at a time), not a Counted per note."""
    deltas = Deltas()
    journey = deltas.journey
    where, values = {}, {}  # note id -> (study, (journey cell, day)); note id -> its (facet, value)s
    for row in notes:
        key = tuple(NONE_ID if row[c] is None else row[c] for c in JOURNEY_KEY[1:])
        where[row["id"]] = row["study_id"], (*key, utc_day(row["captured_at"]))
        kind = Kind(row["kind"])
        cell = journey[(row["study_id"], *key)]
        cell[0] += 1
        cell[1] += kind in PAIN
        cell[2] += kind == Kind.DELIGHT
        values[row["id"]] = [("kind", kind.value), ("author", str(row["author_id"]))]
    for link in links:
        values[link["observation_id"]].append(("tag", str(link["tag_id"])))
    slots = {(row["observation_id"], Slot(row["slot"]).value) for row in media}  # a slot counts a note once
    for note_id, slot in slots:
        values[note_id].append(("media", slot))
    for note_id, (study, cell_day) in where.items():
        deltas.count_note(study, cell_day, values[note_id])
    # Written at commit with the rest, not now: a summary row is shared by every writer of the study, so
    # holding its lock from here to commit would queue every other push behind this one (issue 11, item 5).
    session = db.session()
    touched_in(session).new_rows.append((session.get_nested_transaction() or session.get_transaction(), deltas))


def claim_new_rows_counts():
    """The counts of the notes this transaction wrote as rows, for its caller to write in its own statement
    (a push numbering its notes as written, sync/new_notes.py: one round trip less while it holds the
    counter); the commit then leaves them. None when the transaction has other counting to do, which the
    commit does with these, as ever."""
    pending = db.session().info.get(PENDING)
    if pending is None or pending.before or pending.partials or pending.dropped_tags or not pending.new_rows:
        return None
    deltas = Deltas()
    for _, added in pending.new_rows:
        deltas.merge(added)
    pending.new_rows = []
    return deltas


# Writes as ORM objects: the flush listener

def touched_notes(session):
    """(ids of notes already in the database whose counts this flush may move, the ids among them whose media
    or revisions this flush writes)."""
    ids, by_items = set(), set()
    for obj in (*session.dirty, *session.deleted):
        if isinstance(obj, Observation):
            if obj in session.deleted or changed(obj):
                ids.add(obj.id)
        elif isinstance(obj, (Attachment, Revision)):
            by_items.add(owner_id(obj))
    for obj in session.new:
        if isinstance(obj, (Attachment, Revision)):
            by_items.add(owner_id(obj))
    ids |= by_items
    ids.discard(None)
    return ids, by_items


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
        self.dropped_tags = set()  # (study id, tag id) of the tags deleted
        self.new_rows = []  # (the (nested) transaction that wrote them, Deltas) from count_new_notes
        self.locked = {}  # note id -> the (nested) transaction that loaded it with its row lock
        self.partials = {}  # note id -> Partial: taken from its loaded state, parts still to gather

    def take(self, session, ids, by_items=frozenset()):
        """What notes not yet touched counted before this flush changes them. A note loaded with its row lock
        is taken from its loaded state (Partial); any other, or one whose media or revisions this flush
        writes on their own, is read from the database (locking its row)."""
        transaction = session.get_nested_transaction() or session.get_transaction()
        for partial in self.partials.values():
            partial.gather()
        self.settle(session.connection(), [i for i in self.partials if i in by_items])
        unread = []
        for note_id in ids:
            if note_id in self.before:
                continue
            partial = self.in_hand(session, note_id) if note_id not in by_items else None
            self.before[note_id], self.taken_in[note_id] = None, transaction
            if partial is None:
                unread.append(note_id)
            else:
                partial.gather()
                self.partials[note_id] = partial
        if unread:
            states = counted_states(session.connection(), unread, lock=True)
            for note_id in unread:
                self.before[note_id] = states.get(note_id)

    def settle(self, connection, ids):
        """Partials taken for good: parts not gathered are read from the database, which has them as they were
        (nothing in this transaction changed a part it never loaded, save media or revisions written on
        their own, whose flush settles the note first)."""
        partials = {i: self.partials.pop(i) for i in ids}
        missing = [i for i, p in partials.items() if not p.complete()]
        read = read_parts(connection, missing) if missing else {}
        for note_id, partial in partials.items():
            partial.parts = {**read.get(note_id, {}), **partial.parts}
            self.before[note_id] = partial.counted()

    def finish(self, connection):
        """At commit: every Partial settled."""
        for partial in self.partials.values():
            partial.gather()
        self.settle(connection, list(self.partials))

    def in_hand(self, session, note_id):
        if note_id not in self.locked:
            return None
        note = session.identity_map.get(inspect(Observation).identity_key_from_primary_key((note_id,)))
        return None if note is None else partial_of(note)

    def forget_undone(self, undone):
        """A savepoint rolled back: its notes are as they were read before it, so reading them again at
        their next change is right; and on PostgreSQL it let go of their row locks, so it is needed."""
        for note_id, transaction in list(self.taken_in.items()):
            while transaction is not None and transaction is not undone:
                transaction = transaction.parent
            if transaction is undone:
                del self.before[note_id], self.taken_in[note_id]
                self.partials.pop(note_id, None)
        for note_id, transaction in list(self.locked.items()):  # a rolled back savepoint let go of its locks
            if within(transaction, undone):
                del self.locked[note_id]
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
    touched, by_items = touched_notes(session)
    touched |= set(new_notes)
    dropped_tags = {(obj.study_id, obj.id) for obj in session.deleted if isinstance(obj, Tag)}
    if touched or dropped_tags:
        pending = touched_in(session)
        pending.take(session, touched - set(new_notes), by_items)
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
    pending.finish(connection)
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
        forget_dropped_tags(connection, pending.dropped_tags)


def forget_dropped_tags(connection, dropped_tags):
    """Each study's counts for its dropped tags: looked up under the study (the keys' first column), not by a
    scan of every study's rows for the tag's id."""
    by_study = {}
    for study_id, tag_id in dropped_tags:
        by_study.setdefault(study_id, []).append(str(tag_id))
    for study_id, dropped in sorted(by_study.items()):
        for table in (facet_table, cell_facet_table):
            connection.execute(delete(table).where(
                table.c.study_id == study_id, table.c.facet == "tag", table.c.value.in_(sorted(dropped))))
        connection.execute(delete(pair_table).where(  # "tag" sorts after every other facet: a pair's other
            pair_table.c.study_id == study_id, pair_table.c.other == "tag", pair_table.c.other_value.in_(dropped)))


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
