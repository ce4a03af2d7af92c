"""The study archive, downloaded by an owner: what it holds, then the zip."""
from flask import render_template, send_file
from flask_login import login_required
from sqlalchemy import func, select

from fieldnotes.exports import bp
from fieldnotes.exports.archive import archive_name, archive_to_tempfile
from fieldnotes.extensions import db
from fieldnotes.studies.permissions import require
from fieldnotes.workshops.models import Workshop, WorkshopState


@bp.get("/studies/<id:study_id>/export/archive")
@login_required
def archive_page(study_id):
    """What the archive holds and leaves out, before the download."""
    study = require(study_id, "export_archive").study
    return render_template("exports/archive.html", study=study, open_workshops=open_workshops(study.id))


def open_workshops(study_id):
    """Workshops not ended yet: their wall is not in the archive until ending makes it insights."""
    return db.session.scalar(select(func.count()).select_from(Workshop).where(
        Workshop.study_id == study_id, Workshop.state != WorkshopState.ENDED))


@bp.get("/studies/<id:study_id>/export/archive.zip")
@login_required
def archive(study_id):
    study = require(study_id, "export_archive").study
    out = archive_to_tempfile(study.id)
    response = send_file(out, mimetype="application/zip", as_attachment=True,
                         download_name=archive_name(study), max_age=0)
    response.headers["Cache-Control"] = "private, no-store"  # every note of the study: for no shared cache
    return response
