"""Importing a REFI-QDA codebook (.qdc) into a study's tags: upload, preview, then import all or nothing.

The preview carries the tag names to the confirming form as hidden fields, so nothing is kept
between the two requests; the confirming request checks the names again, as if typed.
"""
from flask import flash, redirect, render_template, request, url_for
from flask_login import login_required

from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.imports import bp
from fieldnotes.imports.codebook import FIELD, MAX_BYTES, import_tags, preview, read_upload
from fieldnotes.studies.permissions import require


def upload_page(membership, errors=None):
    return render_template("imports/codebook.html", study=membership.study, errors=errors or {},
                           max_kb=MAX_BYTES // 1024), 422 if errors else 200


@bp.get("/studies/<id:study_id>/import/codebook")
@login_required
def codebook(study_id):
    return upload_page(require(study_id, "manage_tags"))


@bp.post("/studies/<id:study_id>/import/codebook")
@login_required
def preview_codebook(study_id):
    membership = require(study_id, "manage_tags")
    upload = request.files.get(FIELD)
    if upload is None or not upload.filename:
        return upload_page(membership, {FIELD: ["Choose a codebook file (.qdc) to upload."]})
    try:
        plan = preview(study_id, read_upload(upload.stream))
    except Refused as refusal:
        return upload_page(membership, refusal.errors)
    return render_template("imports/codebook_preview.html", study=membership.study, plan=plan,
                           file_name=upload.filename)


@bp.post("/studies/<id:study_id>/import/codebook/confirm")
@login_required
def confirm_codebook(study_id):
    membership = require(study_id, "manage_tags")
    try:
        plan = import_tags(membership.study, request.form.getlist("tag"))
    except Refused as refusal:
        db.session.rollback()
        return upload_page(membership, refusal.errors)
    db.session.commit()
    flash(f"Codebook imported: {len(plan.new)} tags added, {len(plan.existing)} the study had already.")
    return redirect(url_for("studies.tags", study_id=study_id), code=303)
