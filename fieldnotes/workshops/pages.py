"""Starting a workshop on a study (or a filter of it, or one visit), and joining one by its code."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldnotes import errors
from fieldnotes.extensions import db
from fieldnotes.forms import whole_number
from fieldnotes.studies.permissions import allows, find_membership, require
from fieldnotes.visits.models import SiteVisit
from fieldnotes.workshops import bp, joining, scope, service
from fieldnotes.workshops.models import Deal, Workshop, WorkshopState

DEALS = [(Deal.EVENLY.value, "Evenly: the same number each"), (Deal.BY_VISIT.value, "By visit: whole visits each"),
         (Deal.BY_ROLE.value, "By role: whole roles each")]
ONS = [(scope.STUDY, "Every note in the study"), (scope.FILTER, "The notes a browse filter finds"),
       (scope.VISIT, "The notes of one visit")]


def visit_choices(study_id):
    visits = db.session.scalars(select(SiteVisit).where(SiteVisit.study_id == study_id)
                                .order_by(SiteVisit.visited_on.desc(), SiteVisit.id)).all()
    return [(v.id, f"{v.organisation} · {v.visited_on}") for v in visits]


def render_start(membership, form, problems=None, status=200):
    study_id = membership.study_id
    workshops = db.session.scalars(select(Workshop).where(Workshop.study_id == study_id)
                                   .order_by(Workshop.created_at.desc(), Workshop.id.desc())).all()
    return render_template("workshops/index.html", study=membership.study, workshops=workshops, form=form,
                           errors=problems or {}, deals=DEALS, ons=ONS, visits=visit_choices(study_id),
                           ended=WorkshopState.ENDED), status


@bp.get("/studies/<id:study_id>/workshops")
@login_required
def index(study_id):
    membership = require(study_id, "run_workshops")
    # From the browse page ("Start a workshop on these notes") or a visit's page: what to deal, said already.
    form = {"on": scope.FILTER if request.args.get("filter") else scope.VISIT if request.args.get("visit")
            else scope.STUDY, "filter": request.args.get("filter", ""), "visit": request.args.get("visit", ""),
            "deal": Deal.EVENLY.value, "title": ""}
    return render_start(membership, form)


@bp.post("/studies/<id:study_id>/workshops")
@login_required
def start(study_id):
    membership = require(study_id, "run_workshops")
    form = request.form
    try:
        deal = Deal(form.get("deal", ""))
    except ValueError:
        return render_start(membership, form, {"deal": ["Choose how to deal the cards."]}, 422)
    try:
        note_ids, kept = scope.notes_for(study_id, form.get("on", ""), form.get("filter", ""),
                                         whole_number(form.get("visit"), low=1))
        workshop = service.start(study_id, current_user.id, form.get("title", ""), deal, note_ids, kept)
    except (errors.Refused, errors.NotFound) as refusal:
        db.session.rollback()
        return render_start(membership, form, refusal.errors or {"form": [refusal.description]}, 422)
    db.session.commit()
    return redirect(url_for("workshops.wall", study_id=study_id, workshop_id=workshop.id), 303)


@bp.get("/join")
@login_required
def join_page():
    return render_template("workshops/join.html", code=request.args.get("code", ""), problem=None)


@bp.post("/join")
@login_required
def join_by_code():
    """A code read off the TV: to the workshop's phone page, if the person is one of its study's team.

    A wrong code and a code of a study the person is not in answer alike, and both count as guesses.
    """
    joining.refuse_if_guessing(current_user.id)
    code = request.form.get("code", "")
    workshop = service.by_code(code) if code.strip() else None
    membership = workshop and find_membership(workshop.study_id, current_user.id)
    if workshop is None or membership is None:
        joining.record_wrong_code(current_user.id)
        db.session.commit()
        problem = ("Type the code shown on the wall." if not code.strip()
                   else "No workshop has this code. Check it against the wall and try again.")
        return render_template("workshops/join.html", code=code, problem=problem), 422
    if not allows(membership.role, "join_workshops"):
        return render_template("workshops/join.html", code=code, problem=(
            "Your role in this study does not take part in workshops: ask the facilitator to show you the wall.")), 403
    try:
        service.join(workshop, current_user.id)
    except errors.Refused as refusal:
        db.session.rollback()
        return render_template("workshops/join.html", code=code, problem=refusal.description), 422
    db.session.commit()
    flash(f"You joined “{workshop.title}”.")
    return redirect(url_for("workshops.phone", study_id=workshop.study_id, workshop_id=workshop.id), 303)
