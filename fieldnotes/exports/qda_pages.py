"""Downloads of a study for QDA tools: the REFI-QDA project (.qdpx) and codebook (.qdc)."""
import io
import re
import tempfile

from flask import request, send_file
from flask_login import current_user, login_required

from fieldnotes.errors import Refused
from fieldnotes.exports import bp
from fieldnotes.exports.qdc import codebook_xml
from fieldnotes.exports.qdpx import AUDIENCES, TEAM, export_project
from fieldnotes.studies.permissions import require


def audience_asked():
    """?audience=team (the default) or outside. :raise Refused: anything else."""
    audience = request.args.get("audience", TEAM)
    if audience not in AUDIENCES:
        raise Refused(errors={"audience": ["Choose team (everything the team sees) or outside "
                                           "(only what participants consented to)."]})
    return audience


def exporter_for(study_id, audience):
    """The member's study, if their role may export for this audience (permissions.py: export, export_outside)."""
    return require(study_id, "export" if audience == TEAM else "export_outside").study


def file_name(study, extension):
    """The study's name as a file name any system accepts."""
    return (re.sub(r"[^\w-]+", "-", study.name).strip("-")[:80] or "study") + extension


@bp.get("/studies/<id:study_id>/export/project.qdpx")
@login_required
def qdpx(study_id):
    """The study as a REFI-QDA project, built in a scratch file (deleted when the download closes)."""
    audience = audience_asked()
    study = exporter_for(study_id, audience)
    scratch = tempfile.TemporaryFile()
    export_project(study, audience, scratch, exporter=current_user)
    scratch.seek(0)
    return private(send_file(scratch, mimetype="application/zip", as_attachment=True,
                             download_name=file_name(study, ".qdpx")))


@bp.get("/studies/<id:study_id>/export/codebook.qdc")
@login_required
def qdc(study_id):
    """The study's codes (touchpoints, roles, kinds, tags, insights) as a REFI-QDA codebook."""
    # A codebook holds no participant's words, so both audiences get the same file.
    study = exporter_for(study_id, audience_asked())
    return private(send_file(io.BytesIO(codebook_xml(study_id).encode()), mimetype="application/xml",
                             as_attachment=True, download_name=file_name(study, ".qdc")))


def private(response):
    # A study's notes and codes are the team's: for no shared cache, and not kept by the browser's.
    response.headers["Cache-Control"] = "private, no-store"
    return response
