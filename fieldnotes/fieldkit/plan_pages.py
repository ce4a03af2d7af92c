"""A visit's plan: written by those who go into the field, shown on the visit page (panels.py)."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required
from marshmallow import ValidationError

from fieldnotes.extensions import db
from fieldnotes.fieldkit import bp
from fieldnotes.fieldkit.plans import PlanSchema, plan_of, save_plan
from fieldnotes.forms import load_form
from fieldnotes.studies.permissions import require
from fieldnotes.visits.service import get_visit


def plan_values(plan):
    if plan is None:
        return {"who": "", "learn": "", "role_ids": [], "touchpoint_ids": []}
    return {"who": plan.who, "learn": plan.learn, "role_ids": [str(r.id) for r in plan.roles],
            "touchpoint_ids": [str(t.id) for t in plan.touchpoints]}


@bp.route("/studies/<id:study_id>/visits/<id:visit_id>/plan", methods=["GET", "POST"])
@login_required
def plan(study_id, visit_id):
    membership = require(study_id, "manage_fieldwork")
    study, visit = membership.study, get_visit(study_id, visit_id)
    values, errors = plan_values(plan_of(visit.id)), {}
    if request.method == "POST":
        data, errors = load_form(PlanSchema())
        if data:
            try:
                save_plan(visit, data)
            except ValidationError as error:
                errors = error.messages
        if not errors:
            db.session.commit()
            flash("Plan saved. Phones get it with the role guide when they next open capture online.")
            return redirect(url_for("visits.show", study_id=study.id, visit_id=visit.id), code=303)
        db.session.rollback()
        values = {**request.form.to_dict(), "role_ids": request.form.getlist("role_ids"),
                  "touchpoint_ids": request.form.getlist("touchpoint_ids")}
    chosen_roles, chosen_stages = set(values["role_ids"]), set(values["touchpoint_ids"])
    return render_template(
        "fieldkit/plan_form.html", study=study, visit=visit, values=values, errors=errors,
        role_boxes=[("role_ids", r.id, r.name, str(r.id) in chosen_roles) for r in study.roles
                    if r.active or str(r.id) in chosen_roles],
        stage_boxes=[("touchpoint_ids", t.id, t.name, str(t.id) in chosen_stages) for t in study.touchpoints
                     if t.active or str(t.id) in chosen_stages]), 422 if errors else 200
