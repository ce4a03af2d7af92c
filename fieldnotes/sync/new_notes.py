"""Pushing many new notes at once (a phone back online): checked one by one, written as rows in bulk.

A note the server has never seen, from a mutation it has never processed, is
the common case and the one worth making cheap. Everything else (edits,
deletes, resends, conflicts) goes through push.py one item at a time.
"""
from sqlalchemy import bindparam, insert, literal_column, select, union_all

from fieldnotes.extensions import db
from fieldnotes.observations import changes, service
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Membership
from fieldnotes.studies.permissions import allows
from fieldnotes.sync import new_rows
from fieldnotes.sync.models import ProcessedMutation


# Statements a push runs every time, built once: building one (and its cache key) cost more than
# running it (issue 11, session 5). Expanding parameters take a list of any length.
_processed, _notes = ProcessedMutation.__table__, Observation.__table__
KNOWN = union_all(
    select(literal_column("'mutation'").label("kind"), _processed.c.mutation_id.label("id"))
    .where(_processed.c.mutation_id.in_(bindparam("mutation_ids", expanding=True))),
    select(literal_column("'note'"), _notes.c.id).where(_notes.c.id.in_(bindparam("note_ids", expanding=True))))
_scoped = {field: model.__table__ for field, model in service.SCOPED.items()}
# The study's ids among those the new notes name, every kind in one statement (service.known_ids: one each).
PROCESSED = insert(_processed)
_members = Membership.__table__
MEMBER_ROLE = select(_members.c.role).where(_members.c.study_id == bindparam("study_id"),
                                            _members.c.user_id == bindparam("user_id"))
STUDY_IDS = union_all(*(
    select(literal_column(f"'{field}'").label("field"), table.c.id)  # our own names, not input
    .where(table.c.study_id == bindparam("study_id"), table.c.id.in_(bindparam(field, expanding=True)))
    for field, table in _scoped.items()))


def inserting(mutation):
    """A create, or an update of a note the server lacks that claims no version (it recreates the
    note); one that claims a version means the server lost the note, and push.py answers reset."""
    return mutation["op"] == "create" or (mutation["op"] == "update" and not mutation["base_version"])


def already_stored(mutations):
    """(the ids of these mutations processed before, every id the server has of them and of the notes those
    that insert would make): one read, at the start of a push (sync/push.py answers its replays from it)."""
    processed, known = set(), set()
    rows = db.session.connection().execute(KNOWN, {
        "mutation_ids": list({m["mutation_id"] for m in mutations}),
        "note_ids": list({m["entity_id"] for m in mutations if inserting(m)})})
    for kind, id_ in rows:
        (processed if kind == "mutation" else known).add(id_)
    return processed, known | processed


def new_ones(mutations, known=None):
    """Positions of the mutations that insert a note: unknown note, unknown mutation, first in the group.

    `known`: already_stored's second set, read at the start of the push (read here when None). Pushes run
    side by side (observations/counter.py): a racing push that stores one of these first (before or after
    that read) makes the bulk insert fail on its key, and push.py then goes one by one, seeing it.
    A second mutation for the same note (a create then its edit) is left for one-by-one.
    """
    candidates = [m for m in mutations if inserting(m)]
    if not candidates:
        return []
    # Mutation ids and note ids are random UUIDs: one set of those the server has holds both kinds.
    known = already_stored(candidates)[1] if known is None else known
    seen, positions = set(), []
    for position, mutation in enumerate(mutations):
        ids = (mutation["mutation_id"], mutation["entity_id"])
        fresh = inserting(mutation) and ids[0] not in known and ids[1] not in known
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
        if study_id not in self.members:  # the role only (None: not a member), no Membership object
            self.members[study_id] = db.session.connection().execute(
                MEMBER_ROLE, {"study_id": study_id, "user_id": self.user.id}).scalar()
        role = self.members[study_id]
        return role is not None and allows(role, "capture")

    def known_ids(self, study_id):
        if study_id not in self.known:
            self.known[study_id] = known_ids(study_id, self.named[study_id])
        return self.known[study_id]

    def errors_of(self, mutation):
        """Field messages if this new note may not be written; reads only, so nothing to undo."""
        data = mutation["data"]
        if not self.may_capture(data["study_id"]):
            return {"study_id": ["You cannot add notes to this study."]}
        return (service.scope_errors(data["study_id"], data, self.known_ids(data["study_id"]))
                | service.media_errors(mutation["entity_id"], data["media"], self.media))


def known_ids(study_id, datas):
    """{field: the ids these notes name that are this study's}, as service.known_ids, in one statement."""
    named = {field: list({data[field] for data in datas if data.get(field) is not None}) for field in _scoped}
    known = {field: set() for field in _scoped}
    if any(named.values()):
        for field, id_ in db.session.connection().execute(STUDY_IDS, {"study_id": study_id, **named}):
            known[field].add(id_)
    return known


def first_write_is_bulk():
    """On PostgreSQL a push's new notes are its transaction's first write (the counter is taken at the end);
    on SQLite the counter's write comes first."""
    return db.session.get_bind().dialect.name == "postgresql"


def insert_all(user, device_id, mutations, answer):
    """Write checked new notes (observations/changes.py) and their processed mutations; their answers.

    Raises IntegrityError when the database refuses a row (two new notes naming
    the same media id): the caller undoes the lot and goes one by one.
    """
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    rows = []  # PostgreSQL: every table's rows in one statement (new_rows.py), the processed mutations' too
    notes = changes.write_new_notes(user.id, device_id, [(m["entity_id"], m["data"]) for m in mutations],
                                    write_rows=(lambda table, written: rows.append((table, written)))
                                    if postgresql else None)
    answers, processed = [], []
    for mutation, note in zip(mutations, notes):
        result = answer(mutation, "applied", note)
        processed.append({"mutation_id": mutation["mutation_id"], "user_id": user.id, "entity_id": note.id,
                          "result": result, "counter_at": note.seq})
        answers.append(result)
    if postgresql:
        new_rows.insert_together(db.session.connection(), [*rows, (_processed, processed)])
    else:  # SQLite: in process, executemany costs no round trip; plain (of the table: the class would take
        db.session.execute(PROCESSED, processed)  # the ORM's bulk path) is cheaper than ORM objects
    return answers
