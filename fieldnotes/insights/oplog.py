"""The move log: what each move changed, before and after, so it can be undone and redone safely.

A snapshot names the insights a move touched (their fields and version, or that they did not
exist) and the notes it placed (the insight each sat in, or None). Undo checks that everything
still looks as the move left it; if someone has changed it since, that is a conflict to report.
"""
import json
import uuid
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.orm.attributes import flag_modified

from fieldnotes import errors, live
from fieldnotes.auth.models import User
from fieldnotes.extensions import db, upsert
from fieldnotes.insights.models import Insight, InsightBoardState, InsightNote, InsightOp, OpState


class Refused(errors.Refused):
    """A move that cannot be made (a cycle, a non-empty insight to delete, nothing to undo)."""

    name = "Unprocessable Entity"  # what this API's 422s have always said (werkzeug's name for them)


class Conflict(errors.Conflict):
    """The insight changed since the person saw it: nothing was written. Its answer names the insight."""

    def __init__(self, message, insight_id=None):
        super().__init__(message, insight_id=insight_id)
        self.insight_id = insight_id


def now():
    return datetime.now(UTC)


def advance(study_id):
    """Raise the study's change counter, taking its row lock: moves in one study go one at a time.

    Every move passes here, so this is where open workspaces are told (after the commit, live.py).
    """
    live.announce(live_topic(study_id))
    bumped = db.session.execute(update(InsightBoardState).where(InsightBoardState.study_id == study_id)
                                .values(counter=InsightBoardState.counter + 1))
    if bumped.rowcount == 0:
        # The study's first move: two people making one at once must not both insert the row.
        db.session.execute(upsert(InsightBoardState).values(study_id=study_id, counter=0)
                           .on_conflict_do_nothing(index_elements=["study_id"]))
        db.session.execute(update(InsightBoardState).where(InsightBoardState.study_id == study_id)
                           .values(counter=InsightBoardState.counter + 1))
    return counter(study_id)


def live_topic(study_id):
    return live.topic_for("insights", study_id)


def counter(study_id):
    return db.session.scalar(select(InsightBoardState.counter).where(InsightBoardState.study_id == study_id)) or 0


def snap_insights(ids):
    found = {i.id: i for i in db.session.scalars(select(Insight).where(Insight.id.in_(ids)))} if ids else {}
    return {str(i): ({"exists": True, "parent_id": found[i].parent_id, "position": found[i].position,
                      "statement": found[i].statement, "version": found[i].version,
                      "created_by": found[i].created_by} if i in found else {"exists": False})
            for i in ids}


def snap_notes(note_ids):
    rows = {n: [i, p] for n, i, p in db.session.execute(
        select(InsightNote.observation_id, InsightNote.insight_id, InsightNote.position).where(
            InsightNote.observation_id.in_(note_ids))).all()} if note_ids else {}
    return {str(n): rows.get(n) for n in note_ids}


def snapshot(insight_ids, note_ids):
    return {"insights": snap_insights(sorted(set(insight_ids))), "notes": snap_notes(sorted(set(note_ids)))}


def record(study_id, user_id, kind, before, insight_ids, note_ids, at):
    """Log a finished move; a new move ends what could be redone."""
    after = snapshot(insight_ids, note_ids)
    db.session.execute(update(InsightOp).where(
        InsightOp.study_id == study_id, InsightOp.user_id == user_id, InsightOp.state == OpState.UNDONE)
        .values(state=OpState.DROPPED))
    db.session.add(InsightOp(study_id=study_id, user_id=user_id, kind=kind, counter=at,
                             data={"before": before, "after": after}))


def touch(insight, user_id):
    insight.version += 1
    insight.updated_at = now()
    insight.updated_by = user_id


def editor_name(insight):
    return insight.editor.name if insight is not None and insight.editor else "Someone"


def check_matches(op, snap):
    """:raise Conflict: when someone else has moved any of it since, or it no longer is as `snap` has it.

    Versions alone cannot tell: this person's own undos raise them too. So: did another person's
    move (or undo) since this one touch the same insights or notes?
    """
    theirs = db.session.scalars(select(InsightOp).where(
        InsightOp.study_id == op.study_id, InsightOp.counter > op.counter,
        InsightOp.user_id.is_distinct_from(op.user_id)).order_by(InsightOp.id.desc()))
    for other in theirs:
        for side in ("before", "after"):
            touched = set(other.data[side]["insights"]) & set(snap["insights"])
            notes = set(other.data[side]["notes"]) & set(snap["notes"])
            if touched or notes:
                insight_id = int(min(touched)) if touched else None
                who = db.session.get(User, other.user_id) if other.user_id else None
                raise Conflict(f"{who.name if who else 'Someone'} changed this meanwhile, so it was not "
                               f"{'undone' if op.state == OpState.DONE else 'redone'}.", insight_id)
    for key, want in snap["insights"].items():
        if want["exists"] != (db.session.get(Insight, int(key)) is not None):
            raise Conflict("This changed meanwhile, so it was not undone.", int(key))
    for key, want in snap["notes"].items():
        placed = db.session.get(InsightNote, uuid.UUID(key))
        if (placed.insight_id if placed else None) != (want[0] if want else None):
            raise Conflict("A note of this was moved meanwhile, so it was not undone.", want[0] if want else None)


def restore(study_id, snap, user_id):
    """Make things as `snap` has them; versions go up (never back), and the snapshot learns them."""
    insights = snap["insights"]
    made = []
    for key, want in insights.items():
        current = db.session.get(Insight, int(key))
        if want["exists"] and current is None:
            current = Insight(id=int(key), study_id=study_id, statement=want["statement"],
                              position=want["position"], created_by=want.get("created_by"), version=0)
            db.session.add(current)
            made.append(current)
    db.session.flush()
    for key, want in insights.items():
        current = db.session.get(Insight, int(key))
        if want["exists"]:
            current.parent_id, current.position, current.statement = (
                want["parent_id"], want["position"], want["statement"])
    for key, want in snap["notes"].items():
        placed = db.session.get(InsightNote, uuid.UUID(key))
        if want is None and placed is not None:
            db.session.delete(placed)
        elif want is not None and placed is None:
            db.session.add(InsightNote(observation_id=uuid.UUID(key), insight_id=want[0], position=want[1]))
        elif want is not None:
            placed.insight_id, placed.position = want
    db.session.flush()
    for key, want in insights.items():
        current = db.session.get(Insight, int(key))
        if not want["exists"] and current is not None:
            stays = db.session.scalar(select(InsightNote.observation_id).where(InsightNote.insight_id == current.id)
                                      .limit(1)) or db.session.scalar(
                select(Insight.id).where(Insight.parent_id == current.id).limit(1))
            if stays:
                raise Conflict("Someone added to this insight meanwhile, so it was not undone.", current.id)
            db.session.delete(current)
        elif want["exists"]:
            touch(current, user_id)
            want["version"] = current.version
    db.session.flush()


def step(study_id, user_id, undo):
    """Undo (or redo) this person's latest move in the study. :raise Conflict:, Refused: nothing to do."""
    state = OpState.DONE if undo else OpState.UNDONE
    op = db.session.scalar(select(InsightOp).where(
        InsightOp.study_id == study_id, InsightOp.user_id == user_id, InsightOp.state == state)
        # Undo takes the latest move still done; redo the earliest undone (the last one undone).
        .order_by(InsightOp.id.desc() if undo else InsightOp.id).limit(1))
    if op is None:
        raise Refused("Nothing to undo." if undo else "Nothing to redo.")
    at = advance(study_id)
    data = json.loads(json.dumps(op.data))  # a copy: restore writes the new versions into it
    check_matches(op, data["after"] if undo else data["before"])
    target = data["before"] if undo else data["after"]
    restore(study_id, target, user_id)
    op.data = data
    flag_modified(op, "data")
    op.state = OpState.UNDONE if undo else OpState.DONE
    op.counter = at
    return op
