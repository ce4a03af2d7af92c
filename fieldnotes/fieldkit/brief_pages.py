"""The study brief's pages: read by the team, edited by owners and designers."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fieldnotes.extensions import db
from fieldnotes.fieldkit import bp
from fieldnotes.fieldkit.brief import brief_of, brief_schema, save_brief
from fieldnotes.forms import load_form
from fieldnotes.studies.permissions import allows, require
from fieldnotes.visits.names import NameGuard


@bp.get("/studies/<id:study_id>/brief")
@login_required
def brief(study_id):
    membership = require(study_id, "view_fieldwork")
    # Real names typed into the brief show to owners only, as everywhere.
    guard = None if allows(membership.role, "see_real_names") else NameGuard.of_study(study_id)
    return render_template("fieldkit/brief.html", study=membership.study, membership=membership,
                           brief=brief_of(membership.study), mask=guard.mask if guard else (lambda text: text))


@bp.route("/studies/<id:study_id>/brief/edit", methods=["GET", "POST"])
@login_required
def edit_brief(study_id):
    membership = require(study_id, "edit_brief")
    study = membership.study
    current = brief_of(study)
    values = {"goal": current.goal, "hypotheses": current.hypotheses}
    for rb in current.roles:
        values[f"questions_{rb.role.id}"], values[f"watch_{rb.role.id}"] = rb.questions, rb.watch_for
    errors = {}
    if request.method == "POST":
        data, errors = load_form(brief_schema(study))
        if data:
            save_brief(study, data, current_user.user)
            db.session.commit()
            flash("Brief saved. Phones get the new role guides when they next open capture online.")
            return redirect(url_for("fieldkit.brief", study_id=study.id), code=303)
        values.update(request.form.to_dict())
    return render_template("fieldkit/brief_form.html", study=study, membership=membership, brief=current,
                           values=values, errors=errors), 422 if errors else 200
