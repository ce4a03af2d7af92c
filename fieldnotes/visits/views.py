"""Site visit pages: the list, one visit, recording and editing one."""
from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from marshmallow import ValidationError

from fieldnotes.extensions import db
from fieldnotes.forms import load_form
from fieldnotes.organisations.models import Organisation
from fieldnotes.studies.panels import VISIT_PAGE, draw
from fieldnotes.studies.permissions import allows, require
from fieldnotes.visits import bp
from fieldnotes.visits.models import Participant, SiteVisit
from fieldnotes.visits.schemas import VisitSchema
from fieldnotes.visits.service import VISIT_SECTIONS, create_visit, get_visit, researcher_choices, update_visit


@bp.app_template_filter("long_date")
def long_date(value):
    """12 March 2026: unambiguous in every locale, unlike 12/03/2026."""
    return f"{value.day} {value:%B %Y}" if value else ""


def posted_values():
    form = request.form
    return {**form.to_dict(), "researcher_ids": form.getlist("researcher_ids"),
            "participant_ids": form.getlist("participant_ids")}


def visit_values(visit):
    return {key: getattr(visit, key) for key in ("visited_on", "organisation", "organisation_id", "place",
                                                 "summary")} | {
        "researcher_ids": [str(u.id) for u in visit.researchers],
        "participant_ids": [str(p.id) for p in visit.participants]}


def boxes(field, rows, label, chosen):
    """(name, value, label, checked) for the checkbox_group macro."""
    chosen = {str(i) for i in chosen}
    return [(field, row.id, getattr(row, label), str(row.id) in chosen) for row in rows]


def visit_form(study, values, visit=None, errors=None):
    participants = Participant.in_order(db.session.scalars(Participant.of_study(study.id)))
    accounts = db.session.scalars(Organisation.of_study(study.id))
    return render_template(
        "visits/visit_form.html", study=study, visit=visit, values=values, errors=errors or {},
        account_options=[(a.id, a.name) for a in accounts],
        researcher_boxes=boxes("researcher_ids", researcher_choices(study, visit), "name",
                               values.get("researcher_ids", [])),
        participant_boxes=boxes("participant_ids", participants, "pseudonym", values.get("participant_ids", [])),
    ), 422 if errors else 200


def save_visit(study, visit=None):
    """Validate the posted form and save; a 303 to the visit, or the form again with errors."""
    data, errors = load_form(VisitSchema())
    if data:
        try:
            visit = update_visit(visit, study, data) if visit else create_visit(study, data)
        except ValidationError as error:
            errors = error.messages
    if errors:
        db.session.rollback()
        return visit_form(study, posted_values(), visit, errors)
    db.session.commit()
    flash(f"Visit to {visit.organisation} saved.")
    return redirect(url_for("visits.show", study_id=study.id, visit_id=visit.id), code=303)


@bp.get("/studies/<id:study_id>/visits")
@login_required
def index(study_id):
    membership = require(study_id, "view_fieldwork")
    visits = db.session.scalars(SiteVisit.of_study(study_id)).all()
    return render_template("visits/index.html", study=membership.study, membership=membership, visits=visits)


@bp.route("/studies/<id:study_id>/visits/new", methods=["GET", "POST"])
@login_required
def create(study_id):
    study = require(study_id, "manage_fieldwork").study
    if request.method == "POST":
        return save_visit(study)
    # Most visits are recorded by someone who was there, on the day.
    return visit_form(study, {"visited_on": date.today(), "researcher_ids": [str(current_user.id)],
                              "participant_ids": []})


@bp.get("/studies/<id:study_id>/visits/<id:visit_id>")
@login_required
def show(study_id, visit_id):
    membership = require(study_id, "view_fieldwork")
    visit = get_visit(study_id, visit_id)
    return render_template("visits/show.html", study=membership.study, membership=membership, visit=visit,
                           participants=Participant.in_order(visit.participants),
                           see_real_names=allows(membership.role, "see_real_names"),
                           panels=draw(VISIT_PAGE, membership, visit=visit),
                           sections=[section(membership, visit) for section in VISIT_SECTIONS])


@bp.route("/studies/<id:study_id>/visits/<id:visit_id>/edit", methods=["GET", "POST"])
@login_required
def edit(study_id, visit_id):
    study = require(study_id, "manage_fieldwork").study
    visit = get_visit(study_id, visit_id)
    if request.method == "POST":
        return save_visit(study, visit)
    return visit_form(study, visit_values(visit), visit)
