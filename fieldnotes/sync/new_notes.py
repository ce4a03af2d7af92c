"""Pushing many new notes at once (a phone back online): checked one by one, written in one flush.

A note the server has never seen, from a mutation it has never processed, is
the common case and the one worth making cheap. Everything else (edits,
deletes, resends, conflicts) goes through push.py one item at a time.
"""
from sqlalchemy import insert, select

from fieldnotes.extensions import db
from fieldnotes.observations import service
from fieldnotes.observations.content import loaded_content
from fieldnotes.observations.models import Observation, ProcessedMutation, Revision, RevisionKind
from fieldnotes.studies.models import Membership
from fieldnotes.studies.permissions import allows
from fieldnotes.sync import state

INSERTING_OPS = {"create", "update"}  # an update of a note the server lacks recreates it


def new_ones(mutations):
    """Positions of the mutations that insert a note: unknown note, unknown mutation, first in the group.

    Read under the counter lock, so no other writer can add these rows before we do.
    A second mutation for the same note (a create then its edit) is left for one-by-one.
    """
    candidates = [m for m in mutations if m["op"] in INSERTING_OPS]
    if not candidates:
        return []
    processed = set(db.session.scalars(select(ProcessedMutation.mutation_id).where(
        ProcessedMutation.mutation_id.in_({m["mutation_id"] for m in candidates}))))
    stored = set(db.session.scalars(select(Observation.id).where(
        Observation.id.in_({m["entity_id"] for m in candidates}))))
    seen, positions = set(), []
    for position, mutation in enumerate(mutations):
        ids = (mutation["mutation_id"], mutation["entity_id"])
        fresh = mutation["op"] in INSERTING_OPS and ids[0] not in processed and ids[1] not in stored
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
            self.found[study_id] = db.session.scalar(select(Membership).where(
                Membership.study_id == study_id, Membership.user_id == self.user.id))
        member = self.found[study_id]
        return member is not None and allows(member.role, "capture")


def errors_of(mutation, memberships):
    """Field messages if this new note may not be written; reads only, so nothing to undo."""
    data = mutation["data"]
    if not memberships.may_capture(data["study_id"]):
        return {"study_id": ["You cannot add notes to this study."]}
    return service.scope_errors(data["study_id"], data) | service.media_errors(mutation["entity_id"], data["media"])


def insert_all(user, device_id, mutations, answer):
    """Write checked new notes with their revision and processed mutation; one flush, their answers.

    The change numbers come from one counter update (after lock_counter(), so in
    commit order). Raises IntegrityError when the database refuses a row (two
    new notes naming the same media id): the caller undoes the lot and goes one by one.
    """
    seqs = state.take_seqs(len(mutations))
    tags = {}  # (study id, lower-case name) -> Tag, for this group
    answers, revisions, processed = [], [], []
    for mutation, seq in zip(mutations, seqs):
        note = new_note(user, device_id, mutation, seq, tags)
        result = answer(mutation, "applied", note)
        revisions.append({"observation_id": note.id, "version": 1, "data": loaded_content(mutation["data"]),
                          "author_id": user.id, "device_id": device_id, "kind": RevisionKind.EDIT})
        processed.append({"mutation_id": mutation["mutation_id"], "user_id": user.id, "entity_id": note.id,
                          "result": result, "counter_at": seq})
        answers.append(result)
    db.session.flush()
    # Rows nothing in this request reads back: plain executemany is cheaper than ORM objects.
    db.session.execute(insert(Revision), revisions)
    db.session.execute(insert(ProcessedMutation), processed)
    return answers


def new_note(user, device_id, mutation, seq, tags):
    data = mutation["data"]
    note = service.new_note(mutation["entity_id"], data["study_id"], user.id, device_id)
    service.write_fields(note, data)
    note.tags = service.tags_named(note.study_id, data["tags"], tags)
    service.set_media(note, data["media"])
    note.version, note.seq = 1, seq
    note.received_at = note.updated_at
    db.session.add(note)
    return note

