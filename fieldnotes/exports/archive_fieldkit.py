"""What a study archive says about the visit kit: the brief, each visit's plan, the sessions after.

Roles and stages are named by name, visits and notes by the archive's keys; who edited, attended or
marked is authorship (member keys), which the importing server does not know.
"""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldnotes.exports.archive_format import moment
from fieldnotes.extensions import db
from fieldnotes.fieldkit.models import InterpretationSession, RoleFocus, StudyBrief, VisitPlan

SESSION_COUNTS = ("notes_count", "key_count", "question_count", "candidate_count")


def fieldkit_record(keys):
    return {"brief": brief_record(keys), "focus": focus_records(keys), "plans": plan_records(keys),
            "sessions": session_records(keys)}


def brief_record(keys):
    brief = db.session.get(StudyBrief, keys.study_id)
    if brief is None:  # never edited: the page shows the defaults, and so will the importing server's
        return None
    return {"goal": brief.goal, "hypotheses": brief.hypotheses, "updated_at": moment(brief.updated_at),
            "updated_by": keys.member(brief.updated_by_id)}


def focus_records(keys):
    rows = db.session.scalars(select(RoleFocus).where(RoleFocus.study_id == keys.study_id))
    return sorted(({"role": keys.role[f.role_id], "questions": f.questions, "watch_for": f.watch_for}
                   for f in rows), key=lambda f: f["role"])


def plan_records(keys):
    plans = db.session.scalars(select(VisitPlan).where(VisitPlan.study_id == keys.study_id)
                               .options(selectinload(VisitPlan.roles), selectinload(VisitPlan.touchpoints)))
    return sorted(({"visit": keys.visit[p.visit_id], "who": p.who, "learn": p.learn,
                    "updated_at": moment(p.updated_at), "roles": [r.name for r in p.roles],
                    "touchpoints": [t.name for t in p.touchpoints]} for p in plans),
                  key=lambda p: visit_order(p["visit"]))


def session_records(keys):
    sessions = db.session.scalars(select(InterpretationSession)
                                  .where(InterpretationSession.study_id == keys.study_id)
                                  .options(selectinload(InterpretationSession.marks),
                                           selectinload(InterpretationSession.attendees)))
    records = [{"visit": keys.visit[s.visit_id], "started_at": moment(s.started_at),
                "started_by": keys.member(s.started_by_id), "closed_at": moment(s.closed_at),
                "closed_by": keys.member(s.closed_by_id), "summary": s.summary,
                **{count: getattr(s, count) for count in SESSION_COUNTS},
                "attendees": [k for k in (keys.member(u.id) for u in s.attendees) if k],
                "marks": sorted(({"note": keys.note[m.observation_id], "mark": m.mark and str(m.mark),
                                  "context": m.context, "marked_by": keys.member(m.marked_by_id),
                                  "marked_at": moment(m.marked_at)} for m in s.marks),
                                key=lambda m: note_order(m["note"]))}
               for s in sessions]
    return sorted(records, key=lambda s: visit_order(s["visit"]))


def visit_order(key):
    return int(key.removeprefix("visit-"))


def note_order(key):
    return int(key.removeprefix("note-"))
