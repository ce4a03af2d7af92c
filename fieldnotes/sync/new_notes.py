"""Pushing many new notes at once (a phone back online): checked one by one, written as rows in bulk.

A note the server has never seen, from a mutation it has never processed, is
the common case and the one worth making cheap. Everything else (edits,
deletes, resends, conflicts) goes through push.py one item at a time.
"""
from sqlalchemy import Integer, String, bindparam, cast, insert, literal_column, null, select, type_coerce, union_all

from fieldnotes.extensions import db
from fieldnotes.observations import changes, service
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Membership, Tag, name_key
from fieldnotes.studies.permissions import StudyRole, allows
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
PROCESSED = insert(_processed)
# What a push's new notes are checked against in a study, in one statement where there were three (issue 11,
# session 8): rows (kind, key, value) of the member's role ('role', role, -), the study's ids among those the
# notes name (field, -, id; service.known_ids: one statement each) and its tags of the names they give
# ('tag', name_key, id). Our own literals, not input. The role is read as text: the union's columns take the
# first select's types, and the Enum's would convert the tags' keys too.
_members, _tags = Membership.__table__, Tag.__table__
ROLE = select(literal_column("'role'").label("kind"), type_coerce(_members.c.role, String).label("key"),
              cast(null(), Integer).label("value")).where(_members.c.study_id == bindparam("study_id"),
                                                          _members.c.user_id == bindparam("user_id"))
STUDY_IDS = tuple(
    select(literal_column(f"'{field}'"), cast(null(), String), table.c.id)
    .where(table.c.study_id == bindparam("study_id"), table.c.id.in_(bindparam(field, expanding=True)))
    for field, table in _scoped.items())
TAGS = select(literal_column("'tag'"), _tags.c.name_key, _tags.c.id).where(
    _tags.c.study_id == bindparam("study_id"), _tags.c.name_key.in_(bindparam("tag_keys", expanding=True)))
STUDY_CHECKS = union_all(ROLE, *STUDY_IDS, TAGS)


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
    within the transaction): per study, the user's role, the ids it has of those the notes name, and its
    tags of the names they give, which `tags` keeps for changes.write_new_notes (its tag cache)."""

    def __init__(self, user, mutations):
        self.user, self.studies, self.tags = user, {}, {}
        self.named = {}
        for mutation in mutations:
            self.named.setdefault(mutation["data"]["study_id"], []).append(mutation["data"])
        self.media = service.stored_media([item for m in mutations for item in m["data"]["media"]])

    def study(self, study_id):
        """(role or None when not a member, {field: known ids}): one statement per study."""
        if study_id not in self.studies:
            self.studies[study_id] = read_study(study_id, self.user.id, self.named[study_id], self.tags)
        return self.studies[study_id]

    def errors_of(self, mutation):
        """Field messages if this new note may not be written; reads only, so nothing to undo."""
        data = mutation["data"]
        role, known = self.study(data["study_id"])
        if role is None or not allows(role, "capture"):
            return {"study_id": ["You cannot add notes to this study."]}
        return (service.scope_errors(data["study_id"], data, known)
                | service.media_errors(mutation["entity_id"], data["media"], self.media))


def read_study(study_id, user_id, datas, tag_cache):
    """(role, {field: the ids these notes name that are this study's}), as service.known_ids, and the
    study's tags of the names they give put in `tag_cache`: found as service.TagId, looked for and not
    found as None (service.cache_tags then inserts them without reading again)."""
    named = {field: list({data[field] for data in datas if data.get(field) is not None}) for field in _scoped}
    keys = list({name_key(name) for data in datas for name in data["tags"]})
    role, known = None, {field: set() for field in _scoped}
    tag_cache.update({(study_id, key): None for key in keys if tag_cache.get((study_id, key)) is None})
    for kind, key, value in db.session.connection().execute(STUDY_CHECKS, {
            "study_id": study_id, "user_id": user_id, "tag_keys": keys, **named}):
        if kind == "role":
            role = StudyRole(key)
        elif kind == "tag":
            tag_cache[(study_id, key)] = service.TagId(value)
        else:
            known[kind].add(value)
    return role, known


def first_write_is_bulk():
    """On PostgreSQL a push's new notes are its transaction's first write (the counter is taken at the end);
    on SQLite the counter's write comes first."""
    return db.session.get_bind().dialect.name == "postgresql"


def insert_all(user, device_id, mutations, answer, tag_cache=None):
    """Write checked new notes (observations/changes.py) and their processed mutations; their answers.

    Raises IntegrityError when the database refuses a row (two new notes naming
    the same media id): the caller undoes the lot and goes one by one. `tag_cache`: Checks.tags.
    """
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    rows = []  # PostgreSQL: every table's rows in one statement (new_rows.py), the processed mutations' too
    notes = changes.write_new_notes(user.id, device_id, [(m["entity_id"], m["data"]) for m in mutations], tag_cache,
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
