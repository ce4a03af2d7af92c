"""Reading the change stream: every note written after the cursor, tombstones included, in seq order.

A phone that knows more than the server is told to reset. That happens when
the database was restored by hand (pg_restore, a SQLite file copied back), so
the epoch did not change but the server went back in time. The phone shows
it two ways: its cursor names a change number above the server's counter, or
its `seen` names a change the server no longer has: "<note id>:<seq>", the
latest change of the study the phone heard of, from a pull or from a push
answer. A note's change number only grows, so on the same history that note
exists with at least that number; if it is gone or lower, the history the
phone followed is not this one. The reset is for that phone only (it pulls
from the start and sends again what the server acknowledged), so a made-up
cursor costs nobody else anything; `flask restore` instead starts a new epoch,
which resets every phone.
"""
import re
import uuid

from flask import g, request
from sqlalchemy import and_, bindparam, select

from fieldnotes.auth import service
from fieldnotes.auth.models import LoginSession
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.observations import changes
from fieldnotes.studies.models import Membership
from fieldnotes.sync import pull_rows

DEFAULT_LIMIT = 200
MAX_ID = 2_147_483_647  # a study id the database can hold
MAX_LIMIT = 500
# ASCII digits only: "²" passes str.isdigit() and then breaks int().
SEQ = re.compile(r"[0-9]{1,18}")


class BadCursor(ValueError):
    pass


def parse_cursor(cursor):
    """(epoch, seq) from "<epoch>:<seq>"; (None, 0) for an empty cursor (start from the beginning)."""
    if not cursor:
        return None, 0
    epoch, _, seq = cursor.partition(":")
    if not epoch or not SEQ.fullmatch(seq):
        raise BadCursor("The cursor is not one this server gave out; pull from the start (empty cursor).")
    return epoch, int(seq)


def parse_seen(seen):
    """(note id, seq) from "<note id>:<seq>", or None when the phone sends none."""
    if not seen:
        return None
    note_id, _, seq = seen.partition(":")
    try:
        note_id = uuid.UUID(note_id)
    except ValueError:
        note_id = None
    if note_id is None or not SEQ.fullmatch(seq):
        raise BadCursor("seen must be the last change this phone heard of: <note id>:<change number>.")
    return note_id, int(seq)


# Built once: SQLAlchemy keeps a statement object's cache key instead of building and hashing it per pull.
POSITION = select(changes.table.c.epoch, changes.table.c.counter).where(changes.table.c.id == changes.ROW)


# The reader's role in the study (None: not a member) beside the stream position: one statement where a
# no-change pull used two, each through the ORM (issue 11, session 5). No row: the stream was never started.
_members = Membership.__table__
ROLE_AND_POSITION = (
    select(_members.c.role, changes.table.c.epoch, changes.table.c.counter)
    .select_from(changes.table.outerjoin(_members, and_(_members.c.study_id == bindparam("study_id"),
                                                        _members.c.user_id == bindparam("user_id"))))
    .where(changes.table.c.id == changes.ROW))


def role_and_position(study_id, user_id):
    """(role or None, (epoch, counter)), or None when this database has never synced."""
    read = g.pop("pull_read", None)
    if read is not None and read[:2] == (study_id, user_id):  # read with the sign-in (SIGNED_IN_PULL below)
        return read[2]
    row = db.session.connection().execute(ROLE_AND_POSITION, {"study_id": study_id, "user_id": user_id}).first()
    return None if row is None else (row.role, (row.epoch, row.counter))


# The same read inside the sign-in's statement (auth/service.py SIGNED_IN_WITH): a phone's pull with no
# changes then makes one round trip to the database, not two (issue 11, session 7). Outer joins: no
# membership or no stream row leaves the session's row as it is, and the view decides as before.
_sessions = LoginSession.__table__
SIGNED_IN_PULL = (
    service.SESSION_ROW.add_columns(_members.c.role, changes.table.c.epoch, changes.table.c.counter)
    .outerjoin(_members, and_(_members.c.study_id == bindparam("study_id"),
                              _members.c.user_id == _sessions.c.user_id))
    .outerjoin(changes.table, changes.table.c.id == changes.ROW))


def pull_params():
    """The study the pull asks for, when it is one the view would read (else the sign-in reads alone)."""
    study_id = request.args.get("study_id", type=int)
    return {"study_id": study_id} if study_id is not None and 1 <= study_id <= MAX_ID else None


def keep_pull_read(row):
    position = None if row.epoch is None else (row.role, (row.epoch, row.counter))
    g.pull_read = (request.args.get("study_id", type=int), row.user_id, position)


service.SIGNED_IN_WITH["sync.pull"] = service.ReadAlong(SIGNED_IN_PULL, pull_params, keep_pull_read)


def stream_position():
    """(epoch, counter) in one read; the first pull ever makes the row (changes.current_epoch)."""
    row = db.session.execute(POSITION).first()
    if row is None:
        return changes.current_epoch(), changes.current_counter()
    return row.epoch, row.counter


def server_is_behind(study_id, after, seen, counter):
    """True when the phone heard of changes this database does not have (restored by hand)."""
    if after > counter:
        return True
    if seen is None:
        return False
    note_id, seq = seen
    # Only this study's notes count: a phone learns nothing here about notes it may not see.
    now = db.session.scalar(select(Observation.seq).where(Observation.id == note_id,
                                                          Observation.study_id == study_id))
    return seq > counter or now is None or now < seq


def reset_page(epoch):
    return {"changes": [], "cursor": f"{epoch}:0", "has_more": True, "reset": True}


def pull(study_id, cursor, limit=DEFAULT_LIMIT, seen=None, position=None):
    """One page of changes for a study. A cursor from another epoch, or from a history this
    database no longer has, answers reset and no changes: the phone starts again from zero.
    `position`: (epoch, counter) when the caller read it already (role_and_position)."""
    epoch, after = parse_cursor(cursor)
    seen = parse_seen(seen)
    current, counter = position or stream_position()
    if epoch is not None and epoch != current:
        return reset_page(current)
    if server_is_behind(study_id, after, seen, counter):
        return reset_page(current)
    if after == counter:
        # The phone has every change there is (the counter numbers the last one): nothing to read.
        # Most pulls are these, a capture screen's every few minutes (issue 11, the fixed cost).
        return {"changes": [], "cursor": f"{current}:{after}", "has_more": False, "reset": False}
    states, last, has_more = pull_rows.page_states(study_id, after, limit)
    return {"changes": states, "cursor": f"{current}:{last}", "has_more": has_more, "reset": False}
