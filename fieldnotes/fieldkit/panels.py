"""The kit's panels on pages it does not own (studies/panels.py): overdue sessions on the study home,
a visit's plan and interpretation session on the visit page."""
from flask import render_template
from markupsafe import Markup

from fieldnotes.auth.models import utcnow
from fieldnotes.fieldkit.models import MARK_WORDS, Mark
from fieldnotes.fieldkit.plans import plan_of
from fieldnotes.fieldkit.sessions import due_by, overdue_visits, session_of
from fieldnotes.studies.models import StudyStatus
from fieldnotes.studies.panels import STUDY_HOME, VISIT_PAGE, register
from fieldnotes.studies.permissions import allows
from fieldnotes.visits.names import NameGuard


# The oldest first, a few: a study with years of visits from before the kit would otherwise fill the page.
SHOWN = 10


def overdue_sessions(membership):
    """Visits whose interpretation session is overdue, for those who see fieldwork; nothing when none is,
    nor once the study is closed (no session is coming then)."""
    if not allows(membership.role, "view_fieldwork") or membership.study.status == StudyStatus.CLOSED:
        return None
    overdue, total = overdue_visits(membership.study_id, limit=SHOWN)
    if not overdue:
        return None
    return Markup(render_template("fieldkit/_overdue_panel.html", study=membership.study, membership=membership,
                                  overdue=overdue, more=total - len(overdue)))


def visit_kit(membership, visit):
    """The visit's plan and its session (or its outcome), on the visit page."""
    guard = None if allows(membership.role, "see_real_names") else NameGuard.of_study(visit.study_id)
    return Markup(render_template(
        "fieldkit/_visit_panel.html", study=membership.study, membership=membership, visit=visit,
        plan=plan_of(visit.id), session=session_of(visit.id), due=due_by(visit.visited_on), now=utcnow(),
        mask=guard.mask if guard else (lambda text: text), mark_words=MARK_WORDS, Mark=Mark))


register(STUDY_HOME, overdue_sessions)
register(VISIT_PAGE, visit_kit)
