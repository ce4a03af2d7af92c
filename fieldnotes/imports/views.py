"""Import pages: upload a CSV of notes, map its columns, preview every problem, import all or nothing."""
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from fieldnotes.errors import Refused
from fieldnotes.extensions import db
from fieldnotes.imports import bp, csv_uploads
from fieldnotes.imports.csv_notes import TERM_KINDS, choice, decode, plan_notes, read_table
from fieldnotes.imports.mapping import FIELDS, LABELS, from_choices, guess
from fieldnotes.imports.writer import import_plan
from fieldnotes.studies.permissions import require

PREVIEW_ROWS = 20


@bp.route("/studies/<id:study_id>/import/notes", methods=["GET", "POST"])
@login_required
def upload_notes(study_id):
    study = require(study_id, "import_notes").study
    if request.method == "GET":
        return upload_page(study)
    # Refuse a file we cannot read now, not after the mapping.
    return csv_uploads.receive(study, lambda raw: read_table(decode(raw)), upload_page, "imports.preview_notes")


def upload_page(study, errors=None, status=422):
    return render_template("imports/notes_upload.html", study=study, errors=errors or {},
                           max_mb=csv_uploads.max_bytes() // 1024 // 1024), status if errors else 200


@bp.get("/studies/<id:study_id>/import/notes/<token>")
@login_required
def preview_notes(study_id, token):
    study = require(study_id, "import_notes").study
    headers, rows = read_table(decode(csv_uploads.held(study.id, current_user.id, token)))
    return preview_page(study, token, headers, rows, request.args)


@bp.post("/studies/<id:study_id>/import/notes/<token>")
@login_required
def import_notes(study_id, token):
    study = require(study_id, "import_notes").study
    headers, rows = read_table(decode(csv_uploads.held(study.id, current_user.id, token)))
    try:
        plan = plan_notes(study.id, headers, rows, from_choices(headers, request.form), declined(request.form))
        summary = import_plan(plan, study.id, current_user.id)
    except Refused:
        db.session.rollback()
        return preview_page(study, token, headers, rows, request.form, status=422)
    db.session.commit()
    csv_uploads.release(study.id, current_user.id, token)
    flash(summary_text(summary, plan))
    return redirect(url_for("explore.browse", study_id=study.id), code=303)


def preview_page(study, token, headers, rows, form, status=200):
    """The mapping form and what importing with it would do. A form never submitted gets the guesses."""
    mapping, errors, plan = guess(headers), {}, None
    try:
        if "mapped" in form:
            mapping = from_choices(headers, form)
        plan = plan_notes(study.id, headers, rows, mapping, declined(form))
    except Refused as refusal:
        errors = refusal.errors
        mapping = {field: form.get(field) for field in LABELS} if "mapped" in form else mapping  # as chosen
    return render_template(
        "imports/notes_preview.html", study=study, token=token, columns=list(enumerate(headers)), fields=FIELDS,
        labels=LABELS, mapping=mapping, errors=errors, plan=plan, preview=plan.rows[:PREVIEW_ROWS] if plan else [],
        term_kinds=TERM_KINDS, choice=choice), 422 if errors else status


def declined(form):
    """The terms offered for creation and unticked; one the mapping has just brought up is created."""
    return set(form.getlist("offered")) - set(form.getlist("create"))


def summary_text(summary, plan):
    parts = [f"Imported {summary.imported:,} note{'s' if summary.imported != 1 else ''}."]
    if plan.keyed:
        parts.append(f"{summary.skipped:,} rows were imported before (same key) and were skipped.")
    made = [f"{count} {kind}{'s' if count != 1 else ''}" for kind, count in summary.created.items()]
    if made:
        parts.append(f"Created {', '.join(made)}.")
    return " ".join(parts)
