"""Pushing many new notes at once (a phone back online): checked one by one, written as rows in bulk.

A note the server has never seen, from a mutation it has never processed, is
the common case and the one worth making cheap. Everything else (edits,
deletes, resends, conflicts) goes through push.py one item at a time.
"""
from sqlalchemy import (
    Integer, String, any_, bindparam, cast, insert, literal_column, null, select, type_coerce, union_all)
from sqlalchemy.dialects.postgresql import ARRAY

from fieldnotes.extensions import db
from fieldnotes.observations import changes, service, summaries
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Membership, Tag, name_key
from fieldnotes.studies.permissions import StudyRole, allows
from fieldnotes.sync import new_rows
from fieldnotes.sync.models import ProcessedMutation


# Statements a push runs every time, built once: building one (and its cache key) cost more than
# running it (issue 11, session 5). A list of ids is matched as an array on PostgreSQL: the statement's text
# is then the same for any number of ids, so psycopg prepares it and the server plans it once per connection,
# where an expanding IN made a new text (parsed, planned, and rendered by SQLAlchemy) for each count of
# touchpoints, roles, people, visits and tags a push names (issue 11, session 9). SQLite has no arrays.
_processed, _notes = ProcessedMutation.__table__, Observation.__table__
_scoped = {field: model.__table__ for field, model in service.SCOPED.items()}
_members, _tags = Membership.__table__, Tag.__table__
PROCESSED = insert(_processed)


def among(column, name, postgresql):
    """`column` is one of the list given as parameter `name`."""
    if postgresql:
        return column == any_(bindparam(name, type_=ARRAY(column.type)))
    return column.in_(bindparam(name, expanding=True))


def known_ids(postgresql):
    """Which of a push's mutation ids were processed and which of its note ids the server has: rows (kind, id)."""
    return union_all(
        select(literal_column("'mutation'").label("kind"), _processed.c.mutation_id.label("id"))
        .where(among(_processed.c.mutation_id, "mutation_ids", postgresql)),
        select(literal_column("'note'"), _notes.c.id).where(among(_notes.c.id, "note_ids", postgresql)))


def study_checks(postgresql):
    """What a push's new notes are checked against in a study, in one statement where there were three (issue
    11, session 8): rows (kind, key, value) of the member's role ('role', role, -), the study's ids among those
    the notes name (field, -, id; service.known_ids: one statement each) and its tags of the names they give
    ('tag', name_key, id). Our own literals, not input. The role is read as text: the union's columns take the
    first select's types, and the Enum's would convert the tags' keys too."""
    role = select(literal_column("'role'").label("kind"), type_coerce(_members.c.role, String).label("key"),
                  cast(null(), Integer).label("value")).where(_members.c.study_id == bindparam("study_id"),
                                                              _members.c.user_id == bindparam("user_id"))
    study_ids = tuple(
        select(literal_column(f"'{field}'"), cast(null(), String), table.c.id)
        .where(table.c.study_id == bindparam("study_id"), among(table.c.id, field, postgresql))
        for field, table in _scoped.items())
    tags = select(literal_column("'tag'"), _tags.c.name_key, _tags.c.id).where(
        _tags.c.study_id == bindparam("study_id"), among(_tags.c.name_key, "tag_keys", postgresql))
    return union_all(role, *study_ids, tags)


KNOWN = {True: known_ids(True), False: known_ids(False)}  # by "on PostgreSQL"
STUDY_CHECKS = {True: study_checks(True), False: study_checks(False)}


def on_postgresql():
    return db.session.get_bind().dialect.name == "postgresql"


def inserting(mutation):
    """A create, or an update of a note the server lacks that claims no version (it recreates the
    note); one that claims a version means the server lost the note, and push.py answers reset."""
    return mutation["op"] == "create" or (mutation["op"] == "update" and not mutation["base_version"])


def already_stored(mutations):
    """(the ids of these mutations processed before, every id the server has of them and of the notes those
    that insert would make): one read, at the start of a push (sync/push.py answers its replays from it)."""
    processed, known = set(), set()
    rows = db.session.connection().execute(KNOWN[on_postgresql()], {
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
    for kind, key, value in db.session.connection().execute(STUDY_CHECKS[on_postgresql()], {
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
    return on_postgresql()


def insert_all(user, device_id, mutations, answer, tag_cache=None, last=False):
    """Write checked new notes (observations/changes.py) and their processed mutations; their answers.

    Raises IntegrityError when the database refuses a row (two new notes naming
    the same media id): the caller undoes the lot and goes one by one. `tag_cache`: Checks.tags.
    `last`: nothing after these writes in the transaction (a push of only new notes, a phone's usual one):
    on PostgreSQL their statement takes the counter too and writes real numbers (changes.number_as_written).
    """
    postgresql = on_postgresql()
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
        write_rows([*rows, (_processed, processed)], changes.number_as_written(len(notes)) if last else None)
    else:  # SQLite: in process, executemany costs no round trip; plain (of the table: the class would take
        db.session.execute(PROCESSED, processed)  # the ORM's bulk path) is cheaper than ORM objects
    return answers


def write_rows(tables_rows, numbering):
    """Every table's rows in one statement (PostgreSQL). Numbered as written when `numbering` says so: then
    the same statement adds the notes' counts to the study's summaries, under the counter as at a commit."""
    connection = db.session.connection()
    if numbering is None:
        new_rows.insert_together(connection, tables_rows)
        return
    counts = summaries.claim_new_rows_counts()
    also = counts.as_written() if counts else None
    if not numbering.written(new_rows.insert_together(connection, tables_rows, numbering, AS_WRITTEN, also)):
        changes.counter_row()  # a database that never numbered anything: the statement wrote nothing
        if not numbering.written(new_rows.insert_together(connection, tables_rows, numbering, AS_WRITTEN, also)):
            raise RuntimeError("The change counter has no row.")  # the push undoes the lot (push.push_new)


# Numbering as written: the columns holding a provisional number take the real one (the notes' seq, the
# processed mutations' marks, and the seq in their stored answers, as PROCESSED_NUMBERS in push.py shifts them).
AS_WRITTEN = {
    _notes.name: {"seq": changes.shifted('r."seq"')},
    _processed.name: {
        "counter_at": changes.shifted('r."counter_at"'),
        "result": "CASE WHEN (r.\"result\"->>'seq')::bigint BETWEEN :low AND :high"
                  " THEN jsonb_set(r.\"result\"::jsonb, '{seq}', to_jsonb("
                  + changes.shifted("(r.\"result\"->>'seq')::bigint") + "))::json ELSE r.\"result\" END"},
}
