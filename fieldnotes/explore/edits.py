"""Web edits of notes through the same versioned path sync uses: new version, next change seq, a revision.

observations/service.py has the field and tag writers but no versioned update
for a partial edit (push's update needs a phone's full data), so this module
composes their lower-level pieces: sync.state's lock_counter() and record_change(),
and a Revision for history. Views run these inside state.writer_turn(), as push does.
A phone whose next update is based on the old version then gets a conflict, never
a silent overwrite. Callers commit.
"""
from sqlalchemy import update

from fieldnotes.auth.models import utcnow
from fieldnotes.extensions import db
from fieldnotes.observations import service
from fieldnotes.observations.content import note_content
from fieldnotes.observations.models import Revision, RevisionKind
from fieldnotes.sync import state

EDITABLE = ("kind", "touchpoint_id", "role_id")


class Stale(Exception):
    """The note changed (or was deleted) since the version the editor saw."""


class Counter:
    """Holds the sync counter's lock for one transaction; every change then takes the next number."""

    def __init__(self):
        self.locked = False

    def lock(self):
        if not self.locked:
            state.lock_counter()
            self.locked = True


def take(count):
    """Move the counter on by `count` (under the lock): the last number taken. For bulk loads."""
    return db.session.scalar(update(state.table).where(state.table.c.id == state.ROW)
                             .values(counter=state.table.c.counter + count).returning(state.table.c.counter))


def record(note, user, counter):
    """Make the note's current fields its next version, with a change number and a revision."""
    counter.lock()
    state.record_change(note)  # version + 1 and the next change number, as sync does
    note.updated_at = utcnow()
    note.revisions.append(Revision(version=note.version, data=note_content(note), author_id=user.id,
                                   kind=RevisionKind.EDIT))


def edit_fields(note, user, changes, base_version, counter=None):
    """Set kind/touchpoint/role on one note if it is still at base_version.

    :return: field errors (nothing written), or {} when written or nothing changed.
    :raise Stale: the note moved on since base_version; nothing written.
    """
    counter = counter or Counter()
    counter.lock()  # before reading the version, so no writer slips in between
    db.session.refresh(note)
    if note.deleted_at is not None or (base_version is not None and note.version != base_version):
        raise Stale()
    errors = service.scope_errors(note.study_id, {k: v for k, v in changes.items() if k != "kind"})
    if errors:
        return errors
    changed = {k: v for k, v in changes.items() if k in EDITABLE and getattr(note, k) != v}
    if changed:
        for field, value in changed.items():
            setattr(note, field, value)
        record(note, user, counter)
    return {}


def set_tags(note, user, tags, counter):
    """Replace a note's tags (a list of Tag) as a new version, if they differ."""
    if {t.id for t in tags} == {t.id for t in note.tags}:
        return False
    note.tags = sorted(tags, key=lambda t: t.name)
    record(note, user, counter)
    return True
