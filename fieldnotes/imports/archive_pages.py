"""Importing a study archive from another server: as a new study, or into an empty study one owns."""
from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldnotes.errors import Refused
from fieldnotes.exports.archive_format import limits
from fieldnotes.extensions import db
from fieldnotes.imports import bp
from fieldnotes.imports.archive import import_archive
from fieldnotes.imports.archive_load import empty_problem
from fieldnotes.studies.models import Membership, Study
from fieldnotes.studies.permissions import StudyRole, require


def empty_owned_studies(user_id):
    """The studies this person owns that could take an archive: those with nothing in them yet."""
    owned = db.session.scalars(select(Study).join(Membership).where(
        Membership.user_id == user_id, Membership.role == StudyRole.OWNER).order_by(Study.name))
    return [study for study in owned if empty_problem(study.id) is None]


@bp.route("/import/archive", methods=["GET", "POST"])
@login_required
def archive():
    errors = {}
    if request.method == "POST":
        # An archive holds a study's photos: far above the site's usual upload limit.
        request.max_content_length = limits(current_app.config)["ARCHIVE_MAX_UPLOAD"]
        upload, into = request.files.get("archive"), request.form.get("into", "")
        if upload is None or not upload.filename:
            errors = {"archive": ["Choose the archive file (.zip) to import."]}
        else:
            try:
                study = import_archive(upload.stream, current_user.user, target_study(into))
            except Refused as error:
                db.session.rollback()
                errors = error.errors
            else:
                flash(f"Imported “{study.name}” from the archive.")
                return redirect(url_for("studies.show", study_id=study.id), code=303)
    choices = [("", "A new study")] + [(s.id, f"{s.name} (empty)") for s in empty_owned_studies(current_user.id)]
    return render_template("imports/archive.html", errors=errors, choices=choices), 422 if errors else 200


def target_study(into):
    """None for a new study; else the chosen study, which only its owner may fill (404/403 otherwise)."""
    if not into:
        return None
    if not into.isdigit():
        raise Refused(errors={"into": ["Choose a new study or one of your empty studies."]})
    return require(int(into), "manage_study").study
