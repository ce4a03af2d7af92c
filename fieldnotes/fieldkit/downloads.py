"""The kit out of the app: the brief as Markdown (to print or take into the field), and every visit's
interpretation session as a CSV row (when, who, the counts, the summary).

Files leave the team's control, so real names typed into the brief, plans or summaries are masked for
everyone, owners included, as the exports do. The CSV is UTF-8 with a BOM, formulas made inert.
"""
import csv
import io

from flask import Response
from flask_login import login_required
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from fieldnotes.extensions import db
from fieldnotes.fieldkit import bp
from fieldnotes.fieldkit.brief import brief_of
from fieldnotes.fieldkit.models import InterpretationSession
from fieldnotes.fieldkit.sessions import due_by
from fieldnotes.studies.permissions import require
from fieldnotes.visits.models import SiteVisit
from fieldnotes.visits.names import NameGuard

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # as exports/csv_file.py: a leading apostrophe makes it text
COLUMNS = ["visit_id", "visited_on", "organisation", "due_by", "status", "closed_at", "present", "notes", "key",
           "questions", "insight_candidates", "summary"]


def inert(value):
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def download(body, mimetype, name):
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                      "Cache-Control": "no-store"})


def brief_markdown(study, mask):
    brief = brief_of(study)
    out = [f"# Brief: {study.name}", "", "## Goal", "", mask(brief.goal) or "Not written yet.", "", "## Hypotheses", ""]
    out += [f"- {mask(h)}" for h in brief.hypothesis_list] or ["None written yet."]
    for rb in brief.roles:
        out += ["", f"## {rb.role.name}", "", "Ask:", ""] + [f"- {mask(q)}" for q in rb.question_list]
        out += ["", "Watch for:", ""] + [f"- {mask(w)}" for w in rb.watch_list]
    return "\n".join(out) + "\n"


@bp.get("/studies/<id:study_id>/brief.md")
@login_required
def brief_file(study_id):
    study = require(study_id, "view_fieldwork").study
    mask = NameGuard.of_study(study_id).mask
    return download(brief_markdown(study, lambda text: mask(text) or ""), "text/markdown; charset=utf-8",
                    f"brief-study-{study.id}.md")


def session_rows(study_id):
    mask = NameGuard.of_study(study_id).mask
    visits = db.session.execute(select(SiteVisit, InterpretationSession).outerjoin(
        InterpretationSession, InterpretationSession.visit_id == SiteVisit.id)
        .where(SiteVisit.study_id == study_id).options(selectinload(InterpretationSession.attendees))
        .order_by(SiteVisit.visited_on, SiteVisit.id)).all()
    for visit, session in visits:
        closed = session is not None and session.closed
        status = "closed" if closed else "open" if session else "not held"
        yield [visit.id, visit.visited_on.isoformat(), visit.organisation, due_by(visit.visited_on).isoformat(), status,
               session.closed_at.isoformat() if closed else "",
               "; ".join(u.name for u in session.attendees) if closed else "",
               *((session.notes_count, session.key_count, session.question_count, session.candidate_count,
                  mask(session.summary)) if closed else ("", "", "", "", ""))]


@bp.get("/studies/<id:study_id>/interpretation-sessions.csv")
@login_required
def sessions_file(study_id):
    require(study_id, "export")
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for row in session_rows(study_id):
        writer.writerow([inert(cell) for cell in row])
    return download(buffer.getvalue(), "text/csv; charset=utf-8", f"interpretation-sessions-study-{study_id}.csv")
