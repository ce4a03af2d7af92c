"""Study pages: the list, creating one, its overview and settings."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fieldnotes.extensions import db
from fieldnotes.forms import load_form
from fieldnotes.studies import bp
from fieldnotes.studies.defaults import Audience
from fieldnotes.studies.models import Membership, StudyStatus
from fieldnotes.studies.panels import STUDY_HOME, draw
from fieldnotes.studies.permissions import allows, require
from fieldnotes.studies.schemas import StudyEditSchema, StudySchema
from fieldnotes.studies.service import create_study


@bp.app_context_processor
def navigation():
    """The signed-in user's studies and role in each, for the navigation on every page."""
    if not current_user.is_authenticated:
        return {"my_memberships": []}
    return {"my_memberships": db.session.scalars(Membership.of_user(current_user.id)).all(),
            "allows": allows}


@bp.get("/")
@login_required
def index():
    return render_template("studies/index.html")


@bp.route("/studies/new", methods=["GET", "POST"])
@login_required
def create():
    errors = {}
    if request.method == "POST":
        data, errors = load_form(StudySchema())
        if data:
            study = create_study(current_user.user, **data)
            db.session.commit()
            flash(f"Study “{study.name}” created with the default journey and roles.")
            return redirect(url_for("studies.show", study_id=study.id), code=303)
    return render_template("studies/new.html", errors=errors, audiences=Audience,
                           statuses=StudyStatus), 422 if errors else 200


@bp.get("/studies/<id:study_id>")
@login_required
def show(study_id):
    membership = require(study_id, "view_study")
    return render_template("studies/show.html", study=membership.study, membership=membership,
                           panels=draw(STUDY_HOME, membership))


@bp.route("/studies/<id:study_id>/edit", methods=["GET", "POST"])
@login_required
def edit(study_id):
    study = require(study_id, "manage_study").study
    errors = {}
    if request.method == "POST":
        data, errors = load_form(StudyEditSchema())
        if data:
            for key, value in data.items():
                setattr(study, key, value)
            db.session.commit()
            flash("Study saved.")
            return redirect(url_for("studies.show", study_id=study.id), code=303)
    return render_template("studies/edit.html", study=study, errors=errors,
                           statuses=StudyStatus), 422 if errors else 200
