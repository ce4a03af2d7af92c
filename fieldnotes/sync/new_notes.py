"""Pushing many new notes at once (a phone back online): checked one by one, written as rows in bulk.

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

    Pushes run side by side (observations/counter.py): a racing push that stores one of these
    first makes the bulk insert fail on its key, and push.py then goes one by one, seeing it.
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


class Checks:
    """What a push's new notes are checked against, read once for them all (the answers do not change
    within the transaction): the user's membership and the ids each study has of those the notes name."""

    def __init__(self, user, mutations):
        self.user, self.members, self.known = user, {}, {}
        self.named = {}
        for mutation in mutations:
            self.named.setdefault(mutation["data"]["study_id"], []).append(mutation["data"])
        self.media = service.stored_media([item for m in mutations for item in m["data"]["media"]])

    def may_capture(self, study_id):
        if study_id not in self.members:
            self.members[study_id] = find_membership(study_id, self.user.id)
        member = self.members[study_id]
        return member is not None and allows(member.role, "capture")

    def known_ids(self, study_id):
        if study_id not in self.known:
            self.known[study_id] = service.known_ids(study_id, self.named[study_id])
        return self.known[study_id]

    def errors_of(self, mutation):
        """Field messages if this new note may not be written; reads only, so nothing to undo."""
        data = mutation["data"]
        if not self.may_capture(data["study_id"]):
            return {"study_id": ["You cannot add notes to this study."]}
        return (service.scope_errors(data["study_id"], data, self.known_ids(data["study_id"]))
                | service.media_errors(mutation["entity_id"], data["media"], self.media))


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
