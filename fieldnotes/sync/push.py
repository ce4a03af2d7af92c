"""Applying a phone's mutations: each in its own transaction, each with its own answer.

Statuses: applied, duplicate (already have exactly this), conflict (the
server kept its version and stored the client's as a revision), rejected
(invalid, or not storable; nothing written), reset (based on a version this server lacks, as
after a restore done by hand: nothing written; the phone resets, then sends it again).

Every item gets a final answer. An item the server cannot store for any reason
but a database outage is rejected with a reason, at its own savepoint, and the
rest of the batch goes on: a phone sends its oldest mutations first, so a batch
that always failed would stall every later note. An outage (the database
unreachable or locked, the connection lost) belongs to the batch, not the item:
it answers 503 and the phone sends the batch again.
"""
from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError, PendingRollbackError

from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.observations import changes, service
from fieldnotes.observations.content import loaded_content, note_content, note_state, same_content
from fieldnotes.observations.models import Observation, RevisionKind
from fieldnotes.studies.permissions import allows, find_membership
from fieldnotes.sync import devices, new_notes
from fieldnotes.sync.models import ProcessedMutation
from fieldnotes.sync.schemas import MAX_BATCH, load_mutation
from fieldnotes.writers import writer_turn


# A phone's whole batch is one transaction: its checks read the study once, its new notes go in one
# flush, and each other item has its own savepoint. Larger lists (only from code, not HTTP) go in groups.
GROUP = MAX_BATCH
# The database failed, not the item: nothing is known about the item, so the batch answers 5xx.
OUTAGES = (OperationalError, InterfaceError, PendingRollbackError)


class Rejected(Refused):
    """This mutation may not be written; its answer carries the field messages."""

    def __init__(self, errors):
        super().__init__(errors=errors)


class ServerBehind(Exception):
    """The phone based this on a version the server does not have: the database went back
    (restored by hand). Answered `reset`, nothing written and nothing recorded, so the phone
    resets, sends again what was acknowledged, then this mutation (sync/pull.py)."""


def push_batch(user, device_id, raw_mutations, account=None):
    """Apply every mutation; the answers in the order sent (push_answers: with the epoch)."""
    return push_answers(user, device_id, raw_mutations, account)[1]


def push_answers(user, device_id, raw_mutations, account=None):
    """(epoch, answers): every mutation applied, the answers in the order sent, and the epoch their
    change numbers belong to (None when nothing took a number: the caller reads it).

    `account` is the account the phone says made them (None from older phones):
    another account's session may not send them (409). A device bound to another
    account gets every item rejected, nothing written.

    The one service that commits. Replays of mutations already processed are
    answered first, without writing (their answers never change).
    The rest go in one transaction (groups of GROUP, the most a phone may send),
    which takes the change counter only at its end, to number what it wrote
    (observations/counter.py: pushes run side by side on PostgreSQL):
    a bad item rolls back alone (new notes are checked before any is written and
    written in one savepoint, the other items each get a savepoint), and a good one
    is durable before any answer is sent. Sorted by entity id, so overlapping
    batches meet rows in the same order.
    """
    user_id = user.id
    devices.check_claim(user_id, account)
    if devices.owner_of(device_id, user_id) != user_id:
        return None, [rejected(raw, devices.NOT_YOURS) for raw in raw_mutations]
    loaded = [load_mutation(raw) for raw in raw_mutations]
    results = [rejected(raw, errors) if errors else None for raw, (_, errors) in zip(raw_mutations, loaded)]
    known = answer_replays(user, loaded, results)
    order = sorted((i for i, r in enumerate(results) if r is None), key=lambda i: sort_key(raw_mutations[i]))
    epoch = None
    for start in range(0, len(order), GROUP):
        group = order[start:start + GROUP]
        with writer_turn():
            changes.number_late()  # before any write (SQLite: the counter first; the counter comes last on PG)
            push_group(user, device_id, raw_mutations, loaded, group, results, known if start == 0 else None)
            number(loaded, group, results)
            epoch = changes.numbered_epoch() or epoch
            db.session.commit()
    return epoch, results


def number(loaded, group, results):
    """The group's changes get their real numbers, just before commit: in the notes, in the processed
    mutations' answers and marks (in the counter's own statement), and in the answers about to go out.
    From here to the commit the counter is held: only rows this transaction wrote are touched."""
    ids = [loaded[index][0]["mutation_id"] for index in group if loaded[index][0]]
    numbered = changes.number_changes(also=((PROCESSED_NUMBERS, {"ids": ids}),) if ids else ())
    if numbered.shift == 0:
        return  # numbered from the start (SQLite), or nothing to move
    for index in group:
        result = results[index]
        if result and result.get("seq") is not None:
            result["seq"] = numbered.final(result["seq"])
        if result and isinstance(result.get("server"), dict):
            result["server"]["seq"] = numbered.final(result["server"].get("seq"))


# Processed mutations written by this transaction (their marks are provisional, no committed one is) get
# real marks, and their stored answers the real seq: a CTE of the counter's numbering statement, `moved`
# its shift (observations/counter.py). Only ever run on PostgreSQL (SQLite numbers up front).
PROCESSED_NUMBERS = (
    "UPDATE processed_mutation SET counter_at = counter_at + moved.shift, result = CASE"
    " WHEN (result->>'seq')::bigint BETWEEN :low AND :high"
    " THEN jsonb_set(result::jsonb, '{seq}', to_jsonb((result->>'seq')::bigint + moved.shift))::json"
    " ELSE result END"
    " FROM moved WHERE mutation_id = ANY(:ids) AND counter_at BETWEEN :low AND :high")


def push_group(user, device_id, raw_mutations, loaded, group, results, known=None):
    """One group, in its transaction: new notes in bulk, then the rest one by one.

    New notes come first; that keeps each note's own order, because only the
    first mutation of a note can be a new one (new_notes.new_ones). `known`: the ids the push's first
    read found stored (answer_replays), for the first group; later groups read again after the first.
    """
    positions = new_notes.new_ones([loaded[index][0] for index in group], known)
    fresh = [group[p] for p in positions]
    # Only new notes (a phone's usual push): their statement numbers them too, nothing writes after it.
    last = len(fresh) == len(group)
    if fresh and not push_new(user, device_id, raw_mutations, loaded, fresh, results, last):
        fresh = []  # the database refused one of them: all go one by one, each in its savepoint
    done = set(fresh)
    for index in group:
        if index not in done:
            results[index] = push_one(user, device_id, raw_mutations[index], loaded[index][0])


def push_new(user, device_id, raw_mutations, loaded, indexes, results, last=False):
    """New notes: refuse the invalid ones (nothing written), insert the rest, all or none of them.

    False when the database (or anything else) refused one of them, say two new notes naming the same
    media id: nothing of the bulk remains, and the caller finds the culprit one by one. On SQLite the
    bulk has its savepoint (the counter's write came first). On PostgreSQL it is the transaction's first
    write, so nothing before it is kept: no savepoint (two round trips a push, issue 11 session 7); a
    refusal rolls the transaction back and begins it again, numbering late as before.
    """
    savepoint = None if new_notes.first_write_is_bulk() else db.session.begin_nested()
    try:
        answers = check_and_insert(user, device_id, raw_mutations, loaded, indexes, last)
    except Exception as error:  # noqa: BLE001 (which item failed is found one by one, each in its savepoint)
        if is_outage(error):
            raise
        if savepoint is None:
            db.session.rollback()
            changes.number_late()
        else:
            savepoint.rollback()
        return False
    if savepoint is not None:
        savepoint.commit()
    for index, result in answers.items():
        results[index] = result
    return True


def check_and_insert(user, device_id, raw_mutations, loaded, indexes, last=False):
    """{index: answer}: the invalid new notes rejected, the others written in bulk."""
    checks, answers, good = new_notes.Checks(user, [loaded[index][0] for index in indexes]), {}, []
    for index in indexes:
        errors = checks.errors_of(loaded[index][0])
        if errors:
            answers[index] = rejected(raw_mutations[index], errors)
        else:
            good.append(index)
    if good:
        written = new_notes.insert_all(user, device_id, [loaded[index][0] for index in good], answer, checks.tags,
                                       last)
        answers.update(zip(good, written))
    return answers


def answer_replays(user, loaded, results):
    """Fill in the answers of mutations processed before; the ids the server has already, of the mutations
    and of the notes they would insert (new_notes.already_stored: one read for both, issue 11 session 7)."""
    mutations = [mutation for mutation, _ in loaded if mutation]
    if not mutations:
        return set()
    # Which were processed, as plain ids (usually none: a phone resends only what went unanswered);
    # their rows, with the answers to give again, are loaded only when there are some.
    seen, known = new_notes.already_stored(mutations)
    done = {d.mutation_id: d for d in db.session.scalars(REPLAYS, {"ids": list(seen)})} if seen else {}
    for index, (mutation, _) in enumerate(loaded):
        if mutation and mutation["mutation_id"] in done:
            try:
                results[index] = replay(user, done[mutation["mutation_id"]])
            except Rejected as rejection:
                results[index] = rejected(mutation_echo(mutation), rejection.errors)
    devices.end_the_read()
    return known


# Built once (every push runs it): building a statement and its cache key cost more than running it.
REPLAYS = select(ProcessedMutation).where(ProcessedMutation.mutation_id.in_(bindparam("ids", expanding=True)))


def mutation_echo(mutation):
    return {"mutation_id": str(mutation["mutation_id"]), "entity_id": str(mutation["entity_id"])}


def sort_key(raw):
    entity_id = raw.get("entity_id") if isinstance(raw, dict) else None
    return str(entity_id) if entity_id is not None else ""


def push_one(user, device_id, raw, mutation):
    """One mutation in its savepoint: its answer, whatever becomes of it short of an outage."""
    for attempt in range(2):
        savepoint = db.session.begin_nested()
        try:
            result = apply_mutation(user, device_id, mutation)
            savepoint.commit()
            return result
        except Rejected as rejection:
            savepoint.rollback()
            return rejected(raw, rejection.errors)
        except ServerBehind:
            savepoint.rollback()
            return answer(mutation, "reset", None)
        except IntegrityError as error:
            # Someone else stored the same id first; on the second pass we see it and answer
            # duplicate or conflict like any resend.
            savepoint.rollback()
            if attempt:
                return unstorable(raw, error)
        except Exception as error:  # noqa: BLE001 (one item's failure must not sink the batch)
            if is_outage(error):
                raise
            savepoint.rollback()
            return unstorable(raw, error)
    return None  # not reached


def is_outage(error):
    return isinstance(error, OUTAGES) or getattr(error, "connection_invalidated", False)


def unstorable(raw, error):
    """Rejected for a reason the checks did not foresee: logged in full for us, named for the phone."""
    mutation_id = raw.get("mutation_id") if isinstance(raw, dict) else None
    current_app.logger.exception("push: mutation %s could not be stored", text_or_none(mutation_id))
    return rejected(raw, {"mutation": [f"The server could not store this change ({type(error).__name__}); "
                                       "nothing of it was kept. Edit the note, or export it."]})


def rejected(raw, errors):
    echo = raw if isinstance(raw, dict) else {}
    return {"mutation_id": text_or_none(echo.get("mutation_id")), "status": "rejected",
            "entity_id": text_or_none(echo.get("entity_id")), "version": None, "seq": None,
            "errors": errors}


def text_or_none(value):
    return str(value)[:64] if isinstance(value, str | int) and not isinstance(value, bool) else None


def apply_mutation(user, device_id, mutation):
    """One mutation; raises Rejected when nothing may be written.

    The note's row is locked first (pushes run side by side on PostgreSQL): a
    racing push of the same note waits here until the other commits, then
    reads what it wrote, the processed mutation included.
    """
    note = db.session.get(Observation, mutation["entity_id"], populate_existing=True, with_for_update=True)
    done = db.session.get(ProcessedMutation, mutation["mutation_id"], populate_existing=True)
    if done is not None:
        return replay(user, done)
    handler = {"create": create, "update": update, "delete": delete}[mutation["op"]]
    result = handler(user, device_id, mutation, note)
    db.session.add(ProcessedMutation(mutation_id=mutation["mutation_id"], user_id=user.id,
                                     entity_id=mutation["entity_id"], result=result,
                                     counter_at=changes.counter_mark()))
    db.session.flush()
    return result


def replay(user, done):
    if done.user_id != user.id:
        raise Rejected({"mutation_id": ["This mutation id was already used."]})
    result = dict(done.result)
    if result["status"] == "applied":
        result["status"] = "duplicate"
    if result["status"] == "conflict":
        # The server's state as it is now, to someone who may still see it.
        note = db.session.get(Observation, done.entity_id)
        member = find_membership(note.study_id, user.id) if note else None
        visible = member is not None and allows(member.role, "view_notes")
        result["server"] = note_state(note) if visible else None
    return result


def visible_membership(user, note):
    """The user's membership in the note's study if they may see its notes; else it is 'not found'."""
    found = find_membership(note.study_id, user.id)
    if found is None or not allows(found.role, "view_notes"):
        raise Rejected({"entity_id": ["No note with this id."]})
    return found


def answer(mutation, status, note, **extra):
    return {"mutation_id": str(mutation["mutation_id"]), "status": status,
            "entity_id": str(mutation["entity_id"]), "version": note.version if note else None,
            "seq": note.seq if note else None, **extra}


def create(user, device_id, mutation, note):
    if note is None:
        return insert(user, device_id, mutation)
    visible_membership(user, note)
    incoming = loaded_content(mutation["data"])
    if is_resend(note, incoming):
        return answer(mutation, "duplicate", note)
    return conflict(user, device_id, mutation, note, incoming)


def is_resend(note, incoming):
    """The same note sent again: equal to now, or to any version it had."""
    return same_content(note_content(note), incoming) or any(
        r.kind == RevisionKind.EDIT and same_content(r.data, incoming) for r in note.revisions)


def insert(user, device_id, mutation):
    data = mutation["data"]
    member = find_membership(data["study_id"], user.id)
    if member is None or not allows(member.role, "capture"):
        raise Rejected({"study_id": ["You cannot add notes to this study."]})
    check_references(data, mutation["entity_id"])
    note = service.new_note(mutation["entity_id"], data["study_id"], user.id, device_id)
    changes.write_note(note, data, user.id, device_id)
    note.received_at = note.updated_at
    db.session.add(note)
    db.session.flush()
    return answer(mutation, "applied", note)


def check_references(data, note_id):
    errors = service.scope_errors(data["study_id"], data) | service.media_errors(note_id, data["media"])
    if errors:
        raise Rejected(errors)


def update(user, device_id, mutation, note):
    if note is None:
        if mutation["base_version"]:
            raise ServerBehind()  # it names a version of a note this server lacks
        # Sent again after a reset with no version to claim: the full data recreates it.
        return insert(user, device_id, mutation)
    editable(user, note)
    if mutation["base_version"] > note.version:
        raise ServerBehind()
    data = mutation["data"]
    if data["study_id"] != note.study_id:
        raise Rejected({"study_id": ["A note cannot move to another study."]})
    incoming = loaded_content(data)
    if note.deleted_at is not None or mutation["base_version"] != note.version:
        if note.deleted_at is None and same_content(note_content(note), incoming):
            return answer(mutation, "duplicate", note)  # the same edit, made twice
        return conflict(user, device_id, mutation, note, incoming)
    check_references(data, note.id)
    changes.write_note(note, data, user.id, device_id)
    db.session.flush()
    return answer(mutation, "applied", note)


def editable(user, note):
    if not service.can_edit(visible_membership(user, note), note):
        raise Rejected({"entity_id": ["You may not change this note."]})


def delete(user, device_id, mutation, note):
    if note is None:
        # Never stored here (its create was refused, or lost in a restore): gone, as asked.
        return answer(mutation, "applied", None)
    editable(user, note)
    base = mutation["base_version"]
    if base is not None and base > note.version:
        raise ServerBehind()
    if note.deleted_at is not None or (base is not None and base != note.version):
        return conflict(user, device_id, mutation, note, {"deleted": True})
    changes.tombstone(note)
    db.session.flush()
    return answer(mutation, "applied", note)


def conflict(user, device_id, mutation, note, incoming):
    """Keep the server's version; keep the client's too, as a revision, and say so."""
    changes.keep_conflict(note, mutation["base_version"], incoming, user.id, device_id)
    db.session.flush()
    return answer(mutation, "conflict", note, server=note_state(note))
