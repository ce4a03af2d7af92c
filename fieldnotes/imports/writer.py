"""Carrying out an import plan: the agreed terms created, then every note through the note write path.

One transaction, which the caller commits: a refusal anywhere leaves nothing.
"""
import secrets
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import func, select

from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.imports import analyse, bulk
from fieldnotes.imports.csv_notes import term_key
from fieldnotes.imports.models import ImportedRow
from fieldnotes.observations import changes
from fieldnotes.studies.models import Role, Tag, Touchpoint, name_key
from fieldnotes.visits.models import Participant, SiteVisit

BATCH = 5000  # notes per bulk write: enough to amortise each batch's queries, few enough to keep memory flat


@dataclass
class Summary:
    imported: int
    skipped: int
    created: dict[str, int]


def import_plan(plan, study_id, author_id):
    """Write the plan's notes as new notes by `author_id`; the Summary. The caller commits.

    :raise Refused: the plan has problems (nothing is written).
    """
    if plan.problems:
        raise Refused(f"{len(plan.problems)} rows cannot be imported; nothing was.",
                      errors={"file": [f"Line {p.line}, {p.column}: {p.reason}" for p in plan.problems[:20]]})
    changes.lock_counter()  # before any other write, so the notes' change numbers commit in order
    created = create_terms(plan, study_id)
    for start in range(0, len(plan.rows), BATCH):
        rows = plan.rows[start:start + BATCH]
        items = list(zip(ordered_ids(len(rows)), (note_data(study_id, plan.terms, row) for row in rows)))
        # Written by the driver (COPY on PostgreSQL), as the same rows the write path builds for a push.
        notes = changes.write_new_notes(author_id, None, items, tags_of(study_id, rows), bulk.write_rows)
        remember_keys(study_id, rows, notes)
    analyse.after_commit(len(plan.rows))
    return Summary(len(plan.rows), plan.already, created)


def ordered_ids(count):
    """`count` new note ids in ascending order, after any made before: time first, as in UUIDv7 (RFC 9562).

    Random ids (v4, as phones make) land all over every index keyed by note id (the notes, their
    revisions, tag links and row keys): at 100,000 notes most of those inserts touch a page no
    longer cached. Ids that grow go to the right-hand edge of each index instead. 74 random bits
    keep them unique as v4's 122 do in practice; the first 48 are milliseconds since 1970.
    """
    stamp = time.time_ns() // 1_000_000
    ids = sorted(secrets.randbits(74) for _ in range(count))
    return [uuid.UUID(int=(stamp << 80) | (0x7 << 76) | ((r >> 62) << 64) | (0b10 << 62) | (r & (2**62 - 1)))
            for r in ids]


def note_data(study_id, terms, row):
    """The validated-note shape write_new_notes takes (as sync's push loads it)."""
    def id_of(kind):
        value = getattr(row, kind)
        return terms[kind][term_key(kind, value)] if value else None
    return {"study_id": study_id, "kind": row.kind, "text": row.text, "expected": row.expected,
            "captured_at": row.captured_at, "touchpoint_id": id_of("touchpoint"), "role_id": id_of("role"),
            "participant_id": id_of("participant"), "visit_id": id_of("visit"), "no_person": False,
            "tags": row.tags, "media": []}


def create_terms(plan, study_id):
    """Make the unknown terms the user agreed to; their ids join plan.terms. {kind: how many}."""
    counts = {}
    for kind, key, label in plan.to_create():
        plan.terms[kind][key] = new_term(kind, key, label, study_id).id
        counts[kind] = counts.get(kind, 0) + 1
    db.session.flush()
    return counts


def new_term(kind, key, label, study_id):
    if kind == "visit":
        organisation = label.rsplit(" (", 1)[0]
        term = SiteVisit(study_id=study_id, organisation=organisation, visited_on=key[1])
    elif kind == "tag":
        term = Tag(study_id=study_id, name=label)
    elif kind == "participant":
        term = Participant(study_id=study_id, pseudonym=label)
    else:
        model = Touchpoint if kind == "touchpoint" else Role
        last = db.session.scalar(select(func.max(model.position)).where(model.study_id == study_id))
        term = model(study_id=study_id, name=label, position=(last if last is not None else -1) + 1)
    db.session.add(term)
    db.session.flush()
    return term


def tags_of(study_id, rows):
    """The tag cache write_new_notes takes, filled with one query for these rows' tags (all exist by now).

    Without it each tag is looked up as a note first names it, and every lookup flushes the notes
    pending so far: many small flushes instead of one.
    """
    keys = {name_key(tag) for row in rows for tag in row.tags}
    if not keys:
        return {}
    tags = db.session.scalars(select(Tag).where(Tag.study_id == study_id, Tag.name_key.in_(keys)))
    return {(study_id, tag.name_key): tag for tag in tags}


def remember_keys(study_id, rows, notes):
    keyed = [{"study_id": study_id, "source_key": row.key, "observation_id": note.id}
             for row, note in zip(rows, notes) if row.key is not None]
    if keyed:
        # Rows nothing reads back in this transaction: written by the driver, not as ORM objects.
        bulk.write_rows(ImportedRow.__table__, keyed)
