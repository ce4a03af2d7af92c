"""Grouping moves: one function each, scoped to a study, checked against versions, logged for undo.

Every function takes the study id and the acting user's id, raises errors.NotFound for anything
not in the study (404), Refused for a move that makes no sense (422) and Conflict for a stale
version (409); Refused and Conflict are oplog's, the errors.py family's own for insights. None commits.
"""
import uuid

from sqlalchemy import func, select

from fieldnotes.errors import NotFound
from fieldnotes.extensions import db
from fieldnotes.insights import oplog
from fieldnotes.insights.models import Insight, InsightNote
from fieldnotes.insights.oplog import Conflict, Refused, touch
from fieldnotes.observations.models import Observation

STATEMENT_MAX = 2_000
__all__ = ["Conflict", "NotFound", "Refused"]


def insight_in(study_id, insight_id):
    insight = db.session.get(Insight, insight_id) if isinstance(insight_id, int) else None
    if insight is None or insight.study_id != study_id:
        raise NotFound("No such insight in this study.")
    return insight


def check_version(insight, version):
    if version is not None and version != insight.version:
        raise Conflict(f"{oplog.editor_name(insight)} changed “{short(insight.statement)}” meanwhile; "
                       "nothing was moved. Here is how it is now.", insight.id)


def short(text, width=60):
    return text if len(text) <= width else text[:width - 1] + "…"


def live_notes(study_id, note_ids):
    ids = list(dict.fromkeys(uuid.UUID(str(n)) for n in note_ids))
    found = set(db.session.scalars(select(Observation.id).where(
        Observation.id.in_(ids), Observation.study_id == study_id, Observation.deleted_at.is_(None))))
    if len(found) != len(ids):
        raise NotFound("A note is not in this study.")
    return ids


def clean_statement(statement):
    statement = (statement or "").strip()
    if not statement:
        raise Refused("Write the insight's statement.")
    if len(statement) > STATEMENT_MAX:
        raise Refused(f"A statement has at most {STATEMENT_MAX} characters.")
    return statement


def next_position(study_id, parent_id):
    return (db.session.scalar(select(func.max(Insight.position)).where(
        Insight.study_id == study_id, Insight.parent_id.is_(None) if parent_id is None
        else Insight.parent_id == parent_id)) or 0) + 1


def siblings(insight):
    return list(db.session.scalars(select(Insight).where(
        Insight.study_id == insight.study_id, Insight.parent_id.is_(None) if insight.parent_id is None
        else Insight.parent_id == insight.parent_id).order_by(Insight.position, Insight.id)))


def placements(note_ids):
    return dict(db.session.execute(select(InsightNote.observation_id, InsightNote.insight_id).where(
        InsightNote.observation_id.in_(note_ids))).all()) if note_ids else {}


def check_sources(study_id, note_ids, sources, versions):
    """Each note must still be where the person saw it, and each insight at the version they saw."""
    where = placements(note_ids)
    for note_id in note_ids:
        key = str(note_id)
        if sources is not None and key in sources and where.get(note_id) != sources[key]:
            holder = db.session.get(Insight, where[note_id]) if note_id in where else None
            raise Conflict(f"{oplog.editor_name(holder)} moved this note meanwhile; nothing was moved. "
                           "Here is how it is now.", where.get(note_id))
    for insight_id, version in (versions or {}).items():
        check_version(insight_in(study_id, int(insight_id)), version)
    return where


def place(study_id, user_id, note_ids, target, where):
    """Put notes into `target` (None: ungrouped), after its notes; touch every insight that changed."""
    changed = {i for i in where.values()}
    if target is not None:
        changed.add(target.id)
        end = db.session.scalar(select(func.max(InsightNote.position)).where(
            InsightNote.insight_id == target.id)) or 0
    for offset, note_id in enumerate(note_ids, start=1):
        placed = db.session.get(InsightNote, note_id)
        if target is None:
            if placed is not None:
                db.session.delete(placed)
        elif placed is None:
            db.session.add(InsightNote(observation_id=note_id, insight_id=target.id, position=end + offset))
        else:
            placed.insight_id, placed.position = target.id, end + offset
    for insight_id in changed:
        touch(db.session.get(Insight, insight_id), user_id)
    db.session.flush()
    return changed


def create_insight(study_id, user_id, statement, note_ids=(), parent_id=None, sources=None, versions=None):
    statement = clean_statement(statement)
    if parent_id is not None:
        insight_in(study_id, parent_id)
    ids = live_notes(study_id, note_ids)
    at = oplog.advance(study_id)
    where = check_sources(study_id, ids, sources, versions)
    before = oplog.snapshot(set(where.values()), ids)
    insight = Insight(study_id=study_id, parent_id=parent_id, statement=statement, created_by=user_id,
                      updated_by=user_id, position=next_position(study_id, parent_id), version=0)
    db.session.add(insight)
    db.session.flush()
    before["insights"][str(insight.id)] = {"exists": False}
    changed = place(study_id, user_id, ids, insight, where)
    oplog.record(study_id, user_id, "create", before, changed | {insight.id}, ids, at)
    return insight


def edit_statement(study_id, user_id, insight_id, statement, version=None):
    insight = insight_in(study_id, insight_id)
    statement = clean_statement(statement)
    at = oplog.advance(study_id)
    check_version(insight, version)
    before = oplog.snapshot([insight.id], [])
    insight.statement = statement
    touch(insight, user_id)
    db.session.flush()
    oplog.record(study_id, user_id, "edit", before, [insight.id], [], at)
    return insight


def move_notes(study_id, user_id, note_ids, target_id=None, versions=None, sources=None):
    """Move notes into insight `target_id`, or out to the ungrouped notes when it is None."""
    target = insight_in(study_id, target_id) if target_id is not None else None
    ids = live_notes(study_id, note_ids)
    if not ids:
        raise Refused("Choose at least one note to move.")
    at = oplog.advance(study_id)
    where = check_sources(study_id, ids, sources, versions)
    involved = set(where.values()) | ({target.id} if target else set())
    before = oplog.snapshot(involved, ids)
    changed = place(study_id, user_id, ids, target, where)
    oplog.record(study_id, user_id, "move", before, changed, ids, at)
    return target


def refuse_cycle(study_id, insight, parent_id):
    ancestor = insight_in(study_id, parent_id) if parent_id is not None else None
    while ancestor is not None:
        if ancestor.id == insight.id:
            raise Refused("An insight cannot go inside itself or inside one of its own insights.")
        ancestor = db.session.get(Insight, ancestor.parent_id) if ancestor.parent_id else None


def nest(study_id, user_id, insight_id, parent_id=None, version=None):
    """Put an insight under another (a theme), or back at the top when `parent_id` is None."""
    insight = insight_in(study_id, insight_id)
    refuse_cycle(study_id, insight, parent_id)
    at = oplog.advance(study_id)
    check_version(insight, version)
    before = oplog.snapshot([insight.id], [])
    insight.parent_id = parent_id
    insight.position = next_position(study_id, parent_id)
    touch(insight, user_id)
    db.session.flush()
    oplog.record(study_id, user_id, "nest", before, [insight.id], [], at)
    return insight


def renumber(order, moved, user_id):
    """Number siblings 1, 2, … in `order`, touching each that changed place (and always the one moved)."""
    for position, sibling in enumerate(order, start=1):
        if sibling.position != position or sibling is moved:
            sibling.position = position
            touch(sibling, user_id)
    db.session.flush()


def reorder(study_id, user_id, insight_id, offset, version=None):
    """Move an insight `offset` places among its siblings (-1 up, +1 down); at an end, nothing moves."""
    insight = insight_in(study_id, insight_id)
    at = oplog.advance(study_id)
    check_version(insight, version)
    order = siblings(insight)
    here = order.index(insight)
    there = max(0, min(len(order) - 1, here + offset))
    if there == here:
        return insight
    before = oplog.snapshot([i.id for i in order], [])
    order.insert(there, order.pop(here))
    renumber(order, insight, user_id)
    oplog.record(study_id, user_id, "reorder", before, [i.id for i in order], [], at)
    return insight


def delete_insight(study_id, user_id, insight_id, version=None, ungroup=False):
    """Delete an insight; its notes go back to the ungrouped ones only when `ungroup` says so.

    Its own insights (if it is a theme) move up to its place's level.
    """
    insight = insight_in(study_id, insight_id)
    at = oplog.advance(study_id)
    check_version(insight, version)
    note_ids = list(db.session.scalars(select(InsightNote.observation_id).where(InsightNote.insight_id == insight.id)))
    if note_ids and not ungroup:
        raise Refused("This insight still has notes: move them out first, or choose to ungroup them.")
    children = list(db.session.scalars(select(Insight).where(Insight.parent_id == insight.id)))
    before = oplog.snapshot([insight.id, *(c.id for c in children)], note_ids)
    for note_id in note_ids:
        db.session.delete(db.session.get(InsightNote, note_id))
    for child in children:
        child.parent_id = insight.parent_id
        child.position = next_position(study_id, insight.parent_id)
        touch(child, user_id)
    db.session.flush()
    db.session.delete(insight)
    db.session.flush()
    oplog.record(study_id, user_id, "delete", before, [insight.id, *(c.id for c in children)], note_ids, at)


def place_insight(study_id, user_id, insight_id, parent_id=None, before_id=None, version=None):
    """One move for a drag: put an insight under `parent_id` (None: top level), just before sibling
    `before_id` there, or last when it is None. No cycles."""
    insight = insight_in(study_id, insight_id)
    if before_id is not None:
        before = insight_in(study_id, before_id)
        if before.id == insight.id:
            return insight
        parent_id = before.parent_id
    refuse_cycle(study_id, insight, parent_id)
    at = oplog.advance(study_id)
    check_version(insight, version)
    order = [s for s in db.session.scalars(select(Insight).where(
        Insight.study_id == study_id, Insight.parent_id.is_(None) if parent_id is None
        else Insight.parent_id == parent_id).order_by(Insight.position, Insight.id)) if s.id != insight.id]
    before_snap = oplog.snapshot([insight.id, *(s.id for s in order)], [])
    at_index = next((n for n, s in enumerate(order) if s.id == before_id), len(order))
    order.insert(at_index, insight)
    insight.parent_id = parent_id
    renumber(order, insight, user_id)
    oplog.record(study_id, user_id, "place", before_snap, [i.id for i in order], [], at)
    return insight
