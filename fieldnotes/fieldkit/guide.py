"""The role guide a phone carries offline (sync/context.py sends it with the study's context).

For each role: what to ask and what to watch for, from the brief; for each visit: its plan. The
participant's consent travels already with the participants, so the phone puts the three together
for whoever is being observed (static/js/guide.js). Real names never leave the server for a phone,
and the team's free text may hold one ("meet Janet Ellery first"): it goes masked.
"""
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldnotes.extensions import db
from fieldnotes.fieldkit.brief import brief_of, lines
from fieldnotes.fieldkit.models import VisitPlan
from fieldnotes.visits.names import NameGuard


def phone_guide(study):
    guard = NameGuard.of_study(study.id)
    brief = brief_of(study, include_retired=True)  # a participant may keep a role since retired
    plans = db.session.scalars(select(VisitPlan).where(VisitPlan.study_id == study.id).options(
        selectinload(VisitPlan.roles), selectinload(VisitPlan.touchpoints))).all()
    return {
        "goal": guard.mask(brief.goal),
        "roles": {str(rb.role.id): {"name": rb.role.name,
                                    "questions": [guard.mask(q) for q in rb.question_list],
                                    "watch_for": [guard.mask(w) for w in rb.watch_list]} for rb in brief.roles},
        "plans": {str(plan.visit_id): {"who": guard.mask(plan.who), "learn": [guard.mask(x) for x in lines(plan.learn)],
                                       "roles": [r.name for r in plan.roles],
                                       "touchpoints": [t.name for t in plan.touchpoints]} for plan in plans},
    }
