"""The database's epoch and its one change counter.

Every writing transaction first takes the counter row (an UPDATE: a row
lock on PostgreSQL, the write lock on SQLite) and holds it until commit.
So change numbers are handed out and committed in the same order, and a
pull that reads `seq > cursor` can never pass a number whose transaction
is still open (the hole that PostgreSQL sequences leave).

Any feature that changes a note (sync, an edit on the laptop, a tag added
while browsing) does it this way, or phones never hear of the change:
lock_counter() before its other writes, then record_change(note) (or
next_seq() for each change number it needs).
"""
import secrets

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite

from fieldnotes.extensions import db
from fieldnotes.writers import writer_turn  # noqa: F401  (callers use state.writer_turn)
from fieldnotes.observations.models import SyncState

ROW = 1
table = SyncState.__table__


def new_epoch():
    return secrets.token_hex(8)


def lock_counter():
    """Take the counter for this transaction (made on first need); call before any other write."""
    if take(table.c.counter) is None:
        dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
        db.session.execute(dialect.insert(table).values(id=ROW, epoch=new_epoch(), counter=0)
                           .on_conflict_do_nothing())
        take(table.c.counter)


def next_seq():
    """The next change number; only inside a transaction that called lock_counter()."""
    return take(table.c.counter + 1)


def take_seqs(count):
    """`count` change numbers with one counter update (after lock_counter()), lowest first."""
    last = take(table.c.counter + count)
    return range(last - count + 1, last + 1)


def record_change(note):
    """A new version of `note` at the end of the change stream (after lock_counter())."""
    note.version = (note.version or 0) + 1
    note.seq = next_seq()


def take(value):
    return db.session.scalar(update(table).where(table.c.id == ROW).values(counter=value)
                             .returning(table.c.counter))


def current_counter():
    return db.session.scalar(select(table.c.counter).where(table.c.id == ROW)) or 0


def current_epoch():
    """The epoch, creating the row if this database has never synced."""
    epoch = db.session.scalar(select(table.c.epoch).where(table.c.id == ROW))
    if epoch is None:
        lock_counter()
        epoch = db.session.scalar(select(table.c.epoch).where(table.c.id == ROW))
    return epoch


def restart_epoch(counter):
    """As after a restore from backup: a new epoch, so every phone's cursor resets."""
    lock_counter()
    db.session.execute(update(table).where(table.c.id == ROW).values(epoch=new_epoch(), counter=counter))

