"""Owners add members by email, change their roles and remove them."""
from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.forms import load_form
from fieldnotes.studies import bp
from fieldnotes.studies.models import Membership
from fieldnotes.studies.permissions import StudyRole, allows, membership_of, require
from fieldnotes.studies.schemas import MemberSchema, RoleChangeSchema
from fieldnotes.studies.service import add_member, change_role, remove_member


def members_page(study, errors=None, invite_url=None, status=200):
    return render_template("studies/members.html", study=study, roles=StudyRole,
                           errors=errors or {}, invite_url=invite_url), status


def get_membership(study_id, membership_id):
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.study_id != study_id:
        abort(404)
    return membership


@bp.route("/studies/<id:study_id>/members", methods=["GET", "POST"])
@login_required
def members(study_id):
    study = require(study_id, "manage_study").study
    if request.method != "POST":
        return members_page(study)
    data, errors = load_form(MemberSchema())
    try:
        membership, token = add_member(study, data["email"], data["role"]) if data else (None, None)
    except Refused as refusal:
        errors = {"email": [refusal.description]}
    if errors:
        db.session.rollback()
        return members_page(study, errors, status=422)
    db.session.commit()
    if token:
        # Shown once, to the owner, who passes it on; only its hash is kept.
        invite_url = url_for("auth.accept_invite", token=token, _external=True)
        return members_page(study, invite_url=invite_url, status=201)
    flash(f"{membership.user.email} added as {membership.role}.")
    return redirect(url_for("studies.members", study_id=study_id), code=303)


@bp.post("/studies/<id:study_id>/members/<id:membership_id>")
@login_required
def change_member(study_id, membership_id):
    study = require(study_id, "manage_study").study
    membership = get_membership(study_id, membership_id)
    data, errors = load_form(RoleChangeSchema())
    try:
        change_role(membership, data["role"]) if data else None
    except Refused as refusal:
        errors = {"role": [refusal.description]}
    if errors:
        db.session.rollback()
        return members_page(study, {f"member-{membership_id}": errors}, status=422)
    db.session.commit()
    flash(f"{membership.user.email} is now {membership.role}.")
    return after_change(study_id, membership.user_id)


@bp.post("/studies/<id:study_id>/members/<id:membership_id>/remove")
@login_required
def remove(study_id, membership_id):
    study = require(study_id, "manage_study").study
    membership = get_membership(study_id, membership_id)
    email, user_id = membership.user.email, membership.user_id  # a deleted row is detached after the commit
    try:
        remove_member(membership)
    except Refused as refusal:
        db.session.rollback()
        return members_page(study, {f"member-{membership_id}": {"role": [refusal.description]}}, status=422)
    db.session.commit()
    flash(f"{email} removed from the study.")
    return after_change(study_id, user_id)


def after_change(study_id, user_id):
    """Back to the members page, unless the owner just changed themselves out of managing it:
    that page would now answer 403 (stepped down) or 404 (left)."""
    if user_id == current_user.id:
        membership = membership_of(study_id, current_user)
        if membership is None:
            return redirect(url_for("studies.index"), code=303)
        if not allows(membership.role, "manage_study"):
            return redirect(url_for("studies.show", study_id=study_id), code=303)
    return redirect(url_for("studies.members", study_id=study_id), code=303)
