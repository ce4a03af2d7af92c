"""Roster pages: upload a CSV of organisations and participants, preview every row's problem, import all."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.imports import bp, csv_uploads
from fieldnotes.imports.roster import COLUMNS, import_roster, plan_roster
from fieldnotes.organisations.models import SIZE_BANDS
from fieldnotes.studies.permissions import require

PREVIEW_ROWS = 50


@bp.route("/studies/<id:study_id>/import/roster", methods=["GET", "POST"])
@login_required
def upload_roster(study_id):
    study = require(study_id, "import_notes").study
    if request.method == "GET":
        return upload_page(study)
    # Refuse a file we cannot read now, not on the next page.
    return csv_uploads.receive(study, lambda raw: plan_roster(study.id, raw), upload_page, "imports.preview_roster")


def upload_page(study, errors=None, status=422):
    return render_template("imports/roster_upload.html", study=study, errors=errors or {}, size_bands=SIZE_BANDS,
                           max_mb=csv_uploads.max_bytes() // 1024 // 1024), status if errors else 200


@bp.get("/studies/<id:study_id>/import/roster/<token>")
@login_required
def preview_roster(study_id, token):
    study = require(study_id, "import_notes").study
    plan = plan_roster(study.id, csv_uploads.held(study.id, current_user.id, token))
    return preview_page(study, token, plan)


def preview_page(study, token, plan, status=200):
    return render_template("imports/roster_preview.html", study=study, token=token, plan=plan,
                           preview=plan.people[:PREVIEW_ROWS], headers=COLUMNS), status


@bp.post("/studies/<id:study_id>/import/roster/<token>")
@login_required
def import_roster_page(study_id, token):
    study = require(study_id, "import_notes").study
    plan = plan_roster(study.id, csv_uploads.held(study.id, current_user.id, token))
    try:
        made, added = import_roster(study.id, plan)
    except Refused:
        db.session.rollback()
        return preview_page(study, token, plan, status=422)
    db.session.commit()
    csv_uploads.release(study.id, current_user.id, token)
    kept = f" {len(plan.kept)} already in the study, left as they were." if plan.kept else ""
    flash(f"Roster imported: {made} new account{'s' if made != 1 else ''}, "
          f"{added} participant{'s' if added != 1 else ''} added.{kept}")
    return redirect(url_for("accounts.index", study_id=study.id), code=303)
