"""What moves changed, as small as a workspace needs to show it: the insights they touched and those
above them (whose breadth counts their notes), each with its version and breadth; the insights they
removed; and where each note they moved now sits (its insight and place there, or ungrouped).

A move answers its own change (`of_move`); the live stream and the polling fallback send the changes
past a screen's counter (`since`). Both come from the move log (oplog.py): each move's row names what
it touched, before and after. A screen applies a change only when it continues from the counter the
screen has: `since` is then complete (every number in between is a logged move). When it cannot say
so (a number with no logged move, as an erasure's scrub; moves trimmed by housekeeping; a screen far
behind), it answers `full` and the screen reads the whole board, as every screen once did on every move.
"""
import uuid

from sqlalchemy import select

from fieldnotes.extensions import db
from fieldnotes.insights.breadth import breadth
from fieldnotes.insights.models import Insight, InsightNote, InsightOp
from fieldnotes.insights.oplog import counter
from fieldnotes.observations.models import Observation

# Past this many moves behind, a screen reads the whole board: one read beats a long list of changes.
MOST_BEHIND = 50
# What a note or insight keeps across a move that only moves notes: anything else changes the layout.
LAYOUT = ("exists", "parent_id", "position", "statement")


def touched(ops):
    """(insight ids, note ids, layout) of these logged moves: layout when one made, removed, renamed,
    nested or reordered an insight, which a screen redraws whole rather than patch."""
    insights, notes, layout = set(), set(), False
    for op in ops:
        before, after = op.data.get("before", {}), op.data.get("after", {})
        for side in (before, after):
            insights.update(int(key) for key in side.get("insights", {}))
            notes.update(side.get("notes", {}))
        for key in set(before.get("insights", {})) | set(after.get("insights", {})):
            was, now = before.get("insights", {}).get(key, {}), after.get("insights", {}).get(key, {})
            if any(was.get(field) != now.get(field) for field in LAYOUT):
                layout = True
    return insights, notes, layout


def with_ancestors(parent, insight_ids):
    """The insights that exist, and every theme above them (their breadth counts the notes below)."""
    found = set()
    for insight_id in insight_ids:
        while insight_id in parent and insight_id not in found:
            found.add(insight_id)
            insight_id = parent[insight_id]
    return found


def state_of(study_id, insight_ids, note_ids):
    """The insights as they now are (or that they are gone), and where each note now sits: its
    insight and its place there ([insight id, position], notes in an insight go by position), or None."""
    # The study's insights in one read (hundreds at most, never their notes): the tree, and the rows shown.
    rows = {r.id: r for r in db.session.execute(select(
        Insight.id, Insight.parent_id, Insight.statement, Insight.position, Insight.version)
        .where(Insight.study_id == study_id)).all()}
    parent = {i: r.parent_id for i, r in rows.items()}
    shown = with_ancestors(parent, insight_ids)
    where = {str(n): None for n in note_ids}
    if note_ids:
        where.update((str(n), [i, p]) for n, i, p in db.session.execute(
            select(InsightNote.observation_id, InsightNote.insight_id, InsightNote.position)
            .join(Observation, Observation.id == InsightNote.observation_id)
            .where(InsightNote.observation_id.in_(note_ids), Observation.deleted_at.is_(None))).all())
    widths = breadth(list(shown), parent)
    insights = [{"id": i, "parent_id": rows[i].parent_id, "statement": rows[i].statement,
                 "position": rows[i].position, "version": rows[i].version, "breadth": widths[i].as_dict()}
                for i in sorted(shown)]
    return {"insights": insights, "removed": sorted(set(insight_ids) - shown), "notes": where}


def change(study_id, ops, since, now):
    insight_ids, note_ids, layout = touched(ops)
    return {"counter": now, "since": since, "layout": layout,
            **state_of(study_id, insight_ids, [uuid.UUID(n) for n in sorted(note_ids)])}


def of_move(study_id, at):
    """The change a committed move made, numbered `at` (its counter): read after the commit, so
    another move since may show in it too; a screen that applies it in order ends where the board is."""
    ops = list(db.session.scalars(select(InsightOp).where(InsightOp.study_id == study_id,
                                                          InsightOp.counter == at)))
    return change(study_id, ops, at - 1, at)


def since(study_id, seen):
    """The change from counter `seen` to now, or `full` when the move log cannot say it whole;
    None when nothing moved."""
    now = counter(study_id)
    if now <= seen:
        return None
    if now - seen > MOST_BEHIND:
        return {"counter": now, "since": seen, "full": True}
    ops = list(db.session.scalars(select(InsightOp).where(
        InsightOp.study_id == study_id, InsightOp.counter > seen, InsightOp.counter <= now)))
    # Each number is one move's (an undone move takes its undo's number): a number no move holds was
    # an erasure's, or its move was trimmed or undone since; the screen cannot patch around it.
    if len({op.counter for op in ops}) != now - seen:
        return {"counter": now, "since": seen, "full": True}
    return change(study_id, ops, seen, now)
