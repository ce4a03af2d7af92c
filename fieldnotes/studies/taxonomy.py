"""Owners shape a study's journey and roles; members add tags."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required

from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.forms import load_form
from fieldnotes.studies import bp
from fieldnotes.studies.permissions import require
from fieldnotes.studies.schemas import TagSchema, TermChangeSchema, TermSchema
from fieldnotes.studies.service import TERM_KINDS, add_tag, add_term, get_term, move_term, rename_term


def journey_page(study, errors=None, status=200):
    return render_template("studies/journey.html", study=study, errors=errors or {}), status


@bp.get("/studies/<id:study_id>/journey")
@login_required
def journey(study_id):
    return journey_page(require(study_id, "manage_study").study)


@bp.post("/studies/<id:study_id>/<any(touchpoints, roles):kind>")
@login_required
def add_journey_term(study_id, kind):
    model = TERM_KINDS[kind]
    study = require(study_id, "manage_study").study
    data, errors = load_form(TermSchema())
    if data:
        try:
            add_term(model, study, data["name"])
        except Refused as refusal:
            errors = {"name": [refusal.description]}
    if errors:
        db.session.rollback()
        return journey_page(study, {kind: errors}, 422)
    db.session.commit()
    flash(f"Added “{data['name']}”.")
    return redirect(url_for("studies.journey", study_id=study_id), code=303)


@bp.post("/studies/<id:study_id>/<any(touchpoints, roles):kind>/<id:term_id>")
@login_required
def change_journey_term(study_id, kind, term_id):
    """Rename, move or retire one touchpoint or role, as the pressed button says."""
    model = TERM_KINDS[kind]
    study = require(study_id, "manage_study").study
    term = get_term(model, study_id, term_id)
    action = request.form.get("action", "")
    if action == "rename":
        data, errors = load_form(TermChangeSchema())
        try:
            rename_term(term, data["name"]) if data else None
        except Refused as refusal:
            errors = {"name": [refusal.description]}
        if errors:
            db.session.rollback()
            return journey_page(study, {f"{kind}-{term_id}": errors}, 422)
    elif action in {"up", "down"}:
        move_term(term, -1 if action == "up" else 1)
    elif action in {"retire", "restore"}:
        term.retired = action == "retire"
    else:
        # Shown beside the term, where the page shows errors (it has no field called action).
        errors = {"name": ["Choose rename, up, down, retire or restore."]}
        return journey_page(study, {f"{kind}-{term_id}": errors}, 422)
    db.session.commit()
    return redirect(url_for("studies.journey", study_id=study_id) + f"#{kind}-{term_id}", code=303)


@bp.route("/studies/<id:study_id>/tags", methods=["GET", "POST"])
@login_required
def tags(study_id):
    membership = require(study_id, "view_notes" if request.method == "GET" else "manage_tags")
    study, errors = membership.study, {}
    if request.method == "POST":
        data, errors = load_form(TagSchema())
        try:
            add_tag(study, data["name"]) if data else None
        except Refused as refusal:
            errors = {"name": [refusal.description]}
        if not errors:
            db.session.commit()
            flash(f"Tag “{data['name']}” added.")
            return redirect(url_for("studies.tags", study_id=study_id), code=303)
        db.session.rollback()
    return render_template("studies/tags.html", study=study, membership=membership,
                           errors=errors), 422 if errors else 200
