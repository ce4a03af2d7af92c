"""Notes exports by the API: the export page's CSV and JSON files, streamed, for scripts and cron.

The same file as the page's download (exports/downloads.py), the same filters as GET .../notes, and the
same rule for an audience outside the team: consent applied, and only roles that may export for outside.
Reading, so a read-only token may export.
"""
from flask import abort, request
from flask_login import login_required

from fieldnotes.api import bp
from fieldnotes.api.contract import operation
from fieldnotes.api.schemas import ExportQuerySchema
from fieldnotes.errors import Refused
from fieldnotes.explore.filters import BadFilter
from fieldnotes.exports.audience import OUTSIDE
from fieldnotes.exports.downloads import notes_file
from fieldnotes.exports.rows import scope_for
from fieldnotes.extensions import db
from fieldnotes.studies.permissions import allows

QUERY = ExportQuerySchema()


def exported(membership, query, fmt):
    """The file for the query's audience and scope. :raise 403: outside, for a role that may not."""
    if query["audience"] == OUTSIDE and not allows(membership.role, "export_outside"):
        abort(403, f"Your role in this study ({membership.role}) does not allow exports for outside the team.")
    try:
        scope = scope_for(membership.study, request.args, db.engine.dialect.name, query.get("board"))
    except BadFilter as error:
        raise Refused(errors={"filters": [str(error)]}) from None
    return notes_file(scope, query["audience"], fmt)


@bp.get("/studies/<id:study_id>/exports/notes.csv")
@login_required
@operation(ok=(200, None), needs="export", query=QUERY, media_type="text/csv")
def notes_csv(study_id, membership, query):
    """The notes under the filter (or a board's) as CSV: UTF-8 with BOM, formulas made inert, streamed.

    Columns as the export page's CSV (docs/exports.md); real names masked for every audience.
    """
    return exported(membership, query, "csv")


@bp.get("/studies/<id:study_id>/exports/notes.json")
@login_required
@operation(ok=(200, None), needs="export", query=QUERY)
def notes_json(study_id, membership, query):
    """The notes under the filter (or a board's) as JSON, schema fieldnotes.notes/1, streamed.

    The document's `left_out` says what consent kept out of an export for outside the team.
    """
    return exported(membership, query, "json")
