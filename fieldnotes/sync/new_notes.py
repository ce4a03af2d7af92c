"""Pushing many new notes at once (a phone back online): checked one by one, written in one flush.

A note the server has never seen, from a mutation it has never processed, is
the common case and the one worth making cheap. Everything else (edits,
deletes, resends, conflicts) goes through push.py one item at a time.
"""
from sqlalchemy import insert, select

from fieldnotes.extensions import db
from fieldnotes.observations import changes, service
from fieldnotes.observations.models import Observation
from fieldnotes.studies.permissions import allows, find_membership
from fieldnotes.sync.models import ProcessedMutation


def inserting(mutation):
    """A create, or an update of a note the server lacks that claims no version (it recreates the
    note); one that claims a version means the server lost the note, and push.py answers reset."""
    return mutation["op"] == "create" or (mutation["op"] == "update" and not mutation["base_version"])


def new_ones(mutations):
    """Positions of the mutations that insert a note: unknown note, unknown mutation, first in the group.

    Read under the counter lock, so no other writer can add these rows before we do.
    A second mutation for the same note (a create then its edit) is left for one-by-one.
    """
    candidates = [m for m in mutations if inserting(m)]
    if not candidates:
        return []
    processed = set(db.session.scalars(select(ProcessedMutation.mutation_id).where(
        ProcessedMutation.mutation_id.in_({m["mutation_id"] for m in candidates}))))
    stored = set(db.session.scalars(select(Observation.id).where(
        Observation.id.in_({m["entity_id"] for m in candidates}))))
    seen, positions = set(), []
    for position, mutation in enumerate(mutations):
        ids = (mutation["mutation_id"], mutation["entity_id"])
        fresh = inserting(mutation) and ids[0] not in processed and ids[1] not in stored
        if fresh and not seen & set(ids):
            positions.append(position)
        seen.update(ids)
    return positions


class Memberships:
    """The user's memberships, read once per study for the whole group (the answer does not change)."""

    def __init__(self, user):
        self.user, self.found = user, {}

    def may_capture(self, study_id):
        if study_id not in self.found:
            self.found[study_id] = find_membership(study_id, self.user.id)
        member = self.found[study_id]
        return member is not None and allows(member.role, "capture")


def errors_of(mutation, memberships):
    """Field messages if this new note may not be written; reads only, so nothing to undo."""
    data = mutation["data"]
    if not memberships.may_capture(data["study_id"]):
        return {"study_id": ["You cannot add notes to this study."]}
    return service.scope_errors(data["study_id"], data) | service.media_errors(mutation["entity_id"], data["media"])


def insert_all(user, device_id, mutations, answer):
    """Write checked new notes (observations/changes.py) and their processed mutations; their answers.

    Raises IntegrityError when the database refuses a row (two new notes naming
    the same media id): the caller undoes the lot and goes one by one.
    """
    notes = changes.write_new_notes(user.id, device_id, [(m["entity_id"], m["data"]) for m in mutations])
    answers, processed = [], []
    for mutation, note in zip(mutations, notes):
        result = answer(mutation, "applied", note)
        processed.append({"mutation_id": mutation["mutation_id"], "user_id": user.id, "entity_id": note.id,
                          "result": result, "counter_at": note.seq})
        answers.append(result)
    # Rows nothing in this request reads back: plain executemany is cheaper than ORM objects.
    db.session.execute(insert(ProcessedMutation), processed)
    return answers
