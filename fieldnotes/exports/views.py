"""Export pages: choose a format and an audience, see what consent leaves out, download."""
from flask import abort, render_template, request
from flask_login import login_required

from fieldnotes.explore.filters import BadFilter
from fieldnotes.exports import bp
from fieldnotes.exports.audience import AUDIENCES, OUTSIDE, TEAM, left_out, total
from fieldnotes.exports.downloads import notes_file
from fieldnotes.exports.rows import scope_for
from fieldnotes.extensions import db
from fieldnotes.organisations.models import Organisation
from fieldnotes.studies.permissions import allows, require

FORMATS = {"csv": "CSV (spreadsheets, any tool)", "xlsx": "Excel workbook (XLSX)",
           "json": "JSON (schema v1, for scripts)"}


def chosen_scope(membership):
    """The scope the query string names (?board=ID, else the browse filter). :raise 400/404:"""
    board = request.args.get("board", "").strip()
    if board and not (board.isascii() and board.isdigit() and int(board) < 2**31):
        abort(400, "The board must be a number.")
    try:
        return scope_for(membership.study, request.args, db.session.get_bind().dialect.name,
                         int(board) if board else None)
    except BadFilter as error:
        abort(400, str(error))


@bp.get("/studies/<id:study_id>/export")
@login_required
def export_page(study_id):
    membership = require(study_id, "export")
    scope = chosen_scope(membership)
    outside = allows(membership.role, "export_outside")
    return render_template("exports/export.html", study=membership.study, membership=membership, scope=scope,
                           board=request.args.get("board", ""), formats=FORMATS, audiences=AUDIENCES,
                           outside=outside, total=total(scope), report=left_out(scope, OUTSIDE) if outside else [],
                           accounts=db.session.scalars(Organisation.of_study(study_id)).all(),
                           account=str(dict(scope.query).get("account", "")))


@bp.get("/studies/<id:study_id>/export/download")
@login_required
def download(study_id):
    """The file, streamed for CSV and JSON; an outside audience needs export_outside."""
    audience, fmt = request.args.get("audience", TEAM), request.args.get("format", "csv")
    if audience not in AUDIENCES or fmt not in FORMATS:
        abort(400, "Choose a format (csv, xlsx, json) and an audience (team, outside).")
    membership = require(study_id, "export_outside" if audience == OUTSIDE else "export")
    return notes_file(chosen_scope(membership), audience, fmt)
