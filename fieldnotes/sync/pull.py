"""Reading the change stream: every note written after the cursor, tombstones included, in seq order."""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldnotes.extensions import db
from fieldnotes.observations.content import note_state
from fieldnotes.observations.models import Observation
from fieldnotes.observations import changes

DEFAULT_LIMIT = 200
MAX_LIMIT = 500


class BadCursor(ValueError):
    pass


def parse_cursor(cursor):
    """(epoch, seq) from "<epoch>:<seq>"; (None, 0) for an empty cursor (start from the beginning)."""
    if not cursor:
        return None, 0
    epoch, _, seq = cursor.partition(":")
    if not epoch or not seq.isdigit() or len(seq) > 18:
        raise BadCursor("The cursor is not one this server gave out; pull from the start (empty cursor).")
    return epoch, int(seq)


def pull(study_id, cursor, limit=DEFAULT_LIMIT):
    """One page of changes for a study. A cursor from another epoch answers reset, no changes."""
    epoch, after = parse_cursor(cursor)
    current = changes.current_epoch()
    if epoch is not None and epoch != current:
        return {"changes": [], "cursor": f"{current}:0", "has_more": True, "reset": True}
    rows = db.session.scalars(
        select(Observation).where(Observation.study_id == study_id, Observation.seq > after)
        .order_by(Observation.seq).limit(limit + 1)
        .options(selectinload(Observation.tags), selectinload(Observation.media),
                 selectinload(Observation.author))).all()
    page = rows[:limit]
    last = page[-1].seq if page else after
    return {"changes": [note_state(note) for note in page], "cursor": f"{current}:{last}",
            "has_more": len(rows) > limit, "reset": False}
