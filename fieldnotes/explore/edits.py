"""Web edits of notes: text, kind, touchpoint, role, participant, visit and tags, as new versions in the
note's change stream.

Every edit goes through observations/changes.py, as a phone's push does: a new
version, the next change number, a revision. A phone whose next update is based
on the old version then gets a conflict, never a silent overwrite. Views run
these inside writer_turn(), as push does. Callers commit.
"""
from fieldnotes.errors import Conflict
from fieldnotes.extensions import db
from fieldnotes.observations import service
from fieldnotes.observations.changes import Counter, record_edit

EDITABLE = ("kind", "text", "expected", "touchpoint_id", "role_id", "participant_id", "visit_id", "no_person")


class Stale(Conflict):
    """The note changed (or was deleted) since the version the editor saw."""


def record(note, user, counter):
    """Make the note's current fields its next version, with a change number and a revision."""
    counter.lock()
    record_edit(note, user.id)


def edit_fields(note, user, changes, base_version, counter=None, tag_names=None):
    """Set the note's fields (and, given `tag_names`, its tags) as one new version, if it is still at base_version.

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
    tags = None if tag_names is None else service.tags_named(note.study_id, tag_names)
    tags_differ = tags is not None and {t.id for t in tags} != {t.id for t in note.tags}
    if changed or tags_differ:
        for field, value in changed.items():
            setattr(note, field, value)
        if tags_differ:
            note.tags = sorted(tags, key=lambda t: t.name)
        record(note, user, counter)  # one version for the whole save, so a phone pulls it once
    return {}


def set_tags(note, user, tags, counter):
    """Replace a note's tags (a list of Tag) as a new version, if they differ."""
    if {t.id for t in tags} == {t.id for t in note.tags}:
        return False
    note.tags = sorted(tags, key=lambda t: t.name)
    record(note, user, counter)
    return True
