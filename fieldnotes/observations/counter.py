"""The one change counter: who may hand out change numbers, and when.

A pull reads `seq > cursor`, so change numbers must become visible in the
order they were handed out: a number may never commit after a higher one
that a pull has already passed. The counter row guarantees it: whoever takes
numbers from it holds its row lock (on SQLite, the database's write lock)
until commit, so numbers commit in the order they were taken.

Two ways to hold it (docs/architecture.md, "Writing a note"):

- **early** (`lock_counter()`, `Counter`): the counter is taken before any
  other write and held to commit. Every writer but push works so: edits on the
  laptop, erasure, media, the API, imports, seeds, backups. On PostgreSQL it
  first takes the writers' gate exclusively, so it runs while no push is open:
  these writers keep every guarantee they had when all writers queued on the counter.
- **late** (`number_late()`, a push on PostgreSQL): the transaction takes the
  gate shared (pushes run side by side), writes its notes with provisional
  numbers (negative, unique to this database connection), and only at the end
  (`number_changes()`, just before commit) takes the counter, shifts its
  provisional numbers to real ones in one UPDATE and commits. The counter is
  held for those few milliseconds, not for the whole push. While holding it the
  transaction touches only rows it wrote itself, so it never waits on another
  writer there, and no cycle of waits can pass through the counter.

On SQLite there is one write lock for the whole database, held from a
transaction's first write to its commit whatever we do: numbering late would
shorten nothing, so there `number_late()` is `lock_counter()` and numbers are
real from the start (and the transaction still begins with a write, as SQLite's
writers must).
"""
import secrets
from dataclasses import dataclass

from sqlalchemy import bindparam, event, select, text, update
from sqlalchemy.orm.attributes import set_committed_value

from fieldnotes.extensions import db, upsert
from fieldnotes.observations.models import ChangeStream, Observation

ROW = 1
table = ChangeStream.__table__
# Advisory lock key of the writers' gate ("fieldnot" in ASCII): shared by pushes, exclusive for the rest.
GATE = 0x6669656C646E6F74
# Provisional numbers of one connection: -(backend pid + 1) * SLOTS + 1, + 2, ... (pids stay under 2**22).
SLOTS = 1 << 32
STATE = "fieldnotes_counter"
# Built once: text() parses its parameters on every construction, and every push takes the gate.
GATE_ALONE = text("SELECT pg_advisory_xact_lock(:gate)")
GATE_SHARED = text("SELECT pg_advisory_xact_lock_shared(:gate)")


def new_epoch():
    return secrets.token_hex(8)


# --- early: held from the start of the transaction ---------------------------------------------------

def lock_counter():
    """Take the counter for this transaction (made on first need); call before any other write."""
    state = transaction_state()
    if state.late is not None:
        raise RuntimeError("This transaction numbers its changes late (a push); it may not lock the counter.")
    if not state.held and on_postgresql():
        db.session.execute(GATE_ALONE, {"gate": GATE})
    if take(0) is None:
        db.session.execute(upsert(table).values(id=ROW, epoch=new_epoch(), counter=0).on_conflict_do_nothing())
        take(0)
    state.held = True


class Counter:
    """The counter's lock for one transaction, taken once however many notes change under it."""

    def __init__(self):
        self.locked = False

    def lock(self):
        if not self.locked:
            lock_counter()
            self.locked = True


# --- late: numbered just before commit (push, on PostgreSQL) ------------------------------------------

@dataclass
class Late:
    base: int
    taken: int = 0
    numbered: "Numbered | None" = None


@dataclass(frozen=True)
class Numbered:
    """How this transaction's provisional numbers became real ones: real = provisional + shift."""
    shift: int = 0
    low: int = 0
    high: int = -1

    def final(self, seq):
        """The real number for a provisional one; any other value as it is."""
        return seq + self.shift if isinstance(seq, int) and self.low <= seq <= self.high else seq


NOTHING = Numbered()


def number_late():
    """Begin a transaction whose changes take their numbers at the end (number_changes); the first statement.

    PostgreSQL: the gate shared, so pushes run side by side while every early
    writer waits for them (and they for it). SQLite: the counter now, as ever.
    """
    state = transaction_state()
    if not on_postgresql():
        lock_counter()
        return
    if state.late is None and not state.held:
        db.session.connection().execute(GATE_SHARED, {"gate": GATE})  # Core: the ORM's execute costs more
        state.late = Late(base=-(backend_pid() + 1) * SLOTS)


def number_changes(also=()):
    """Number this transaction's changes for real, holding the counter until the caller commits.

    On PostgreSQL one statement (data-modifying CTEs, one round trip): the counter moved on, the
    notes' provisional numbers shifted to real ones (by the unique index on seq), and `also`, the
    caller's rows that carry provisional numbers too: (CTE, params) pairs, each an UPDATE that may use
    `moved.shift` (FROM moved) and :low / :high, the provisional range as Numbered has it (sync/push.py:
    its processed mutations). The counter is held for this statement and the commit only.
    Returns how numbers moved, for answers and rows that carry them; NOTHING for
    a transaction that holds the counter from its start (`also` is then not needed, nor run).
    """
    late = transaction_state().late
    if late is None:
        return NOTHING
    if late.numbered is not None:
        return late.numbered
    db.session.flush()
    high = late.base + late.taken  # :low, :high as Numbered has them (a mark may be the base itself)
    params = {"low": late.base, "high": high, "base": late.base, "count": late.taken}
    for _, extra in also:
        params.update(extra)
    ctes = tuple(cte for cte, _ in also)
    if late.taken:
        last = take_and_shift(ctes, params)
        if last is None:  # a database that has never numbered anything: the row first
            counter_row()
            last = take_and_shift(ctes, params)
        shift = last - late.taken - late.base
    else:  # nothing numbered: marks (counter_mark) become the counter as it is, without taking it
        shift = current_counter() - late.base
        if ctes:
            db.session.execute(shifting(ctes, taken=False), {**params, "shift": shift})
    late.numbered = Numbered(shift, late.base, high)
    move_loaded_notes(late.numbered)
    return late.numbered


# The counter moved on by this transaction's count of numbers (RETURNING the epoch under its lock: the one
# these numbers belong to), and the shift from its provisional numbers to real ones.
TAKEN_CTES = (
    f"taken AS (UPDATE {table.name} SET counter = counter + :count WHERE id = {ROW} RETURNING counter, epoch),"
    " moved AS (SELECT counter - :count - :base AS shift FROM taken)")


class NumberedAsWritten:
    """A push's last write numbering its own rows as it writes them (issue 11, session 9): the counter taken
    in the same statement as the INSERT of every row that carries this transaction's provisional numbers.

    number_changes would write those rows a second time to shift their numbers: on PostgreSQL an UPDATE of a
    note is a new row version with an entry in each of its indexes (16, full-text search among them) and a
    dead version for vacuum, a third of a push of 5's database CPU. Here each INSERT selects from `moved`
    (one row: this transaction's shift) and adds `moved.shift` to its provisional numbers, so no INSERT
    produces a row before the counter is taken, and the counter is held from this statement to the commit,
    as with number_changes. `ctes` go first in the caller's WITH, `params` with its own, and the statement
    ends with `SELECT counter, epoch FROM taken`; `written(row)` records its answer. Available only while
    every provisional number of the transaction is in this statement's rows, and nothing writes after it.
    """

    ctes = TAKEN_CTES
    final = "SELECT counter, epoch FROM taken"

    def __init__(self, late):
        self.late = late
        high = late.base + late.taken
        self.params = {"count": late.taken, "base": late.base, "low": late.base, "high": high}

    def written(self, row):
        """Record the statement's answer; False with no counter row yet (then it wrote nothing: the caller
        makes the row, `counter_row()`, and runs the statement again)."""
        if row is None:
            return False
        transaction_state().epoch = row.epoch
        self.late.numbered = Numbered(row.counter - self.late.taken - self.late.base, self.late.base,
                                      self.late.base + self.late.taken)
        move_loaded_notes(self.late.numbered)
        return True


def shifted(column):
    """SQL for a provisional number `column` (an expression) made real, in a statement numbering as written."""
    return f"{column} + moved.shift"


def number_as_written(count):
    """A NumberedAsWritten for a last write whose rows carry this transaction's `count` provisional numbers,
    all of them; None when this transaction cannot number so (it numbers early, or took other numbers)."""
    late = transaction_state().late
    if late is None or late.numbered is not None or late.taken != count or not count:
        return None
    return NumberedAsWritten(late)


def counter_row():
    """The counter's row, made if this database has never numbered anything."""
    db.session.execute(upsert(table).values(id=ROW, epoch=new_epoch(), counter=0).on_conflict_do_nothing())


def take_and_shift(ctes, params):
    """The counter taken for this transaction's numbers and every provisional number shifted, in one
    statement; where the counter now stands, or None with no row yet (then nothing was shifted)."""
    row = db.session.execute(shifting(ctes, taken=True), params).first()
    if row is None:
        return None
    transaction_state().epoch = row.epoch
    return row.counter


def shifting(ctes, taken):
    """The numbering statement with these extra CTEs, built once per shape (a push's is always the same)."""
    statement = SHIFTING.get((ctes, taken))
    if statement is None:
        moved = (TAKEN_AND_MOVED if taken else "moved AS (SELECT CAST(:shift AS bigint) AS shift)")
        body = ", ".join((moved, *(f"also_{n} AS ({cte})" for n, cte in enumerate(ctes))))
        last = "SELECT counter, epoch FROM taken" if taken else "SELECT shift FROM moved"
        statement = SHIFTING[(ctes, taken)] = text(f"WITH {body} {last}")
    return statement


# The counter moved on (RETURNING the epoch under its lock: the one these numbers belong to), its shift, and
# the notes' provisional numbers made real, joined to `moved`: no counter row, nothing shifted.
TAKEN_AND_MOVED = (
    f"{TAKEN_CTES},"
    f" notes AS (UPDATE {Observation.__table__.name} SET seq = seq + moved.shift FROM moved"
    " WHERE seq BETWEEN :low + 1 AND :high)")
SHIFTING = {}


def move_loaded_notes(numbered):
    """Notes loaded in this session carry what their rows now hold (they expire at commit anyway)."""
    for instance in list(db.session.identity_map.values()):
        if isinstance(instance, Observation):
            seq = instance.__dict__.get("seq")
            if numbered.final(seq) != seq:
                set_committed_value(instance, "seq", numbered.final(seq))


def backend_pid():
    dbapi = db.session.connection().connection.dbapi_connection
    pid = getattr(getattr(dbapi, "info", None), "backend_pid", None)
    return pid if pid is not None else db.session.scalar(text("SELECT pg_backend_pid()"))


# --- taking numbers ------------------------------------------------------------------------------------

def next_seq():
    """The next change number of this transaction (provisional when it numbers late)."""
    return take_seqs(1)[0]


def take_seqs(count):
    """`count` change numbers, lowest first: provisional when numbering late, else from the held counter."""
    state = transaction_state()
    if state.late is not None:
        if state.late.numbered is not None:
            raise RuntimeError("This transaction's changes are numbered already; commit first.")
        first = state.late.base + state.late.taken + 1
        state.late.taken += count
        return range(first, first + count)
    if not state.held:
        lock_counter()  # numbers only ever come from a held counter
    last = take(count)
    return range(last - count + 1, last + 1)


def counter_mark():
    """Where the counter stands for this transaction (a processed mutation's mark), real or provisional."""
    late = transaction_state().late
    if late is not None and late.numbered is None:
        return late.base + late.taken
    return current_counter()


# Built once: every push and pull runs these, and building a statement cost more than running it (issue 11).
# The epoch comes back too: read under the counter's lock, it is the epoch these numbers belong to, which a
# push answers with and no longer reads again after its commit (issue 11, session 6).
TAKE = (update(table).where(table.c.id == ROW).values(counter=table.c.counter + bindparam("count"))
        .returning(table.c.counter, table.c.epoch))
COUNTER = select(table.c.counter).where(table.c.id == ROW)
EPOCH = select(table.c.epoch).where(table.c.id == ROW)


def take(count):
    """Move the counter on by `count` (0: only lock it); where it now stands, or None with no row yet."""
    row = db.session.execute(TAKE, {"count": count}).first()
    if row is None:
        return None
    transaction_state().epoch = row.epoch
    return row.counter


def numbered_epoch():
    """The epoch this transaction's change numbers belong to, once it took the counter; else None.

    The counter's row was locked when it was read, and a new epoch takes that lock too, so it holds
    until this transaction commits."""
    state = db.session.info.get(STATE)
    return None if state is None else state.epoch


def current_counter():
    return db.session.scalar(COUNTER) or 0


def current_epoch():
    """The epoch, creating the row if this database has never synced."""
    epoch = db.session.scalar(EPOCH)
    if epoch is None:
        lock_counter()
        epoch = db.session.scalar(EPOCH)
    return epoch


def restart_epoch(counter):
    """As after a restore from backup: a new epoch, so every phone's cursor resets."""
    lock_counter()
    db.session.execute(update(table).where(table.c.id == ROW).values(epoch=new_epoch(), counter=counter))


# --- per transaction -------------------------------------------------------------------------------------

@dataclass
class State:
    held: bool = False
    late: Late | None = None
    epoch: str | None = None  # as the counter's row said when this transaction took it (take)


def transaction_state():
    return db.session.info.setdefault(STATE, State())


def on_postgresql():
    return db.session.get_bind().dialect.name == "postgresql"


@event.listens_for(db.session, "before_commit")
def number_before_commit(session):
    """Nothing commits with a provisional number, whoever forgot to number: a pull would never see it."""
    state = session.info.get(STATE)
    if session.in_nested_transaction():
        return  # a savepoint's release fires this too; numbering is for the transaction's own commit
    if state is not None and state.late is not None and state.late.numbered is None:
        number_changes()


@event.listens_for(db.session, "after_transaction_end")
def forget_transaction(session, transaction):
    if transaction.parent is None:
        session.info.pop(STATE, None)
