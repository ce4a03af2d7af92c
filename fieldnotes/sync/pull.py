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

from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.observations import changes
from fieldnotes.sync import pull_rows

DEFAULT_LIMIT = 200
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


def pull(study_id, cursor, limit=DEFAULT_LIMIT, seen=None):
    """One page of changes for a study. A cursor from another epoch, or from a history this
    database no longer has, answers reset and no changes: the phone starts again from zero."""
    epoch, after = parse_cursor(cursor)
    seen = parse_seen(seen)
    current, counter = stream_position()
    if epoch is not None and epoch != current:
        return reset_page(current)
    if server_is_behind(study_id, after, seen, counter):
        return reset_page(current)
    if after == counter:
        # The phone has every change there is (the counter numbers the last one): nothing to read.
        # Most pulls are these, a capture screen's every few minutes (issue 11, the fixed cost).
        return {"changes": [], "cursor": f"{current}:{after}", "has_more": False, "reset": False}
    states, last = pull_rows.page_states(study_id, after, limit)
    # Only a full page can have more behind it: then one index probe says whether it does.
    has_more = len(states) == limit and pull_rows.more_after(study_id, last)
    return {"changes": states, "cursor": f"{current}:{last}", "has_more": has_more, "reset": False}
