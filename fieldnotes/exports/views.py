"""Export pages: choose a format and an audience, see what consent leaves out, download."""
import os
import re
import unicodedata
from datetime import date

from flask import Response, abort, render_template, request, send_file, stream_with_context
from flask_login import login_required

from fieldnotes.explore.filters import BadFilter
from fieldnotes.exports import bp
from fieldnotes.exports.audience import AUDIENCES, OUTSIDE, TEAM, left_out, total
from fieldnotes.exports.csv_file import csv_chunks
from fieldnotes.exports.json_file import json_chunks
from fieldnotes.exports.rows import scope_for
from fieldnotes.exports.xlsx_file import xlsx_temp_file
from fieldnotes.extensions import db
from fieldnotes.studies.permissions import allows, require

FORMATS = {"csv": "CSV (spreadsheets, any tool)", "xlsx": "Excel workbook (XLSX)",
           "json": "JSON (schema v1, for scripts)"}
MIMETYPES = {"csv": "text/csv", "json": "application/json",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


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
                           outside=outside, total=total(scope), report=left_out(scope, OUTSIDE) if outside else [])


@bp.get("/studies/<id:study_id>/export/download")
@login_required
def download(study_id):
    """The file, streamed for CSV and JSON; an outside audience needs export_outside."""
    audience, fmt = request.args.get("audience", TEAM), request.args.get("format", "csv")
    if audience not in AUDIENCES or fmt not in FORMATS:
        abort(400, "Choose a format (csv, xlsx, json) and an audience (team, outside).")
    membership = require(study_id, "export_outside" if audience == OUTSIDE else "export")
    scope = chosen_scope(membership)
    name = file_name(membership.study.name, scope.slug, fmt)
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    if fmt == "xlsx":
        return sent_and_deleted(xlsx_temp_file(scope, audience), name)
    chunks = csv_chunks(scope, audience) if fmt == "csv" else json_chunks(scope, audience)
    return Response(stream_with_context(chunks), mimetype=MIMETYPES[fmt], headers=headers)


def sent_and_deleted(path, name):
    # Open, then unlink: the open handle keeps the bytes until the response closes it, and nothing is left behind.
    handle = open(path, "rb")  # send_file closes it with the response
    os.unlink(path)
    response = send_file(handle, mimetype=MIMETYPES["xlsx"], as_attachment=True, download_name=name, max_age=0)
    response.headers["Cache-Control"] = "no-store"
    return response


def file_name(study_name, what, fmt):
    """"onboarding-at-mid-size-accounts-notes-2026-03-12.csv": ASCII, so every browser keeps it."""
    ascii_name = unicodedata.normalize("NFKD", study_name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:60] or "study"
    return f"{slug}-{what}-{date.today().isoformat()}.{fmt}"
