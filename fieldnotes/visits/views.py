"""Site visit and participant pages."""
from flask import render_template
from flask_login import login_required

from fieldnotes.studies.permissions import require
from fieldnotes.visits import bp


@bp.get("/studies/<id:study_id>/visits")
@login_required
def index(study_id):
    study = require(study_id, "view_fieldwork").study
    return render_template("visits/index.html", study=study)


@bp.get("/studies/<id:study_id>/participants")
@login_required
def participants(study_id):
    study = require(study_id, "view_fieldwork").study
    return render_template("visits/participants.html", study=study)
