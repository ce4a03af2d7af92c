"""A notes file as an HTTP answer: the export page's download and the API's exports both send it from here,
so the two can never differ in bytes, name or caching.

CSV and JSON are streamed as they are written; XLSX is built in a temporary file (the workbook needs its
whole sheet before it can be zipped) that is gone by the time the answer ends.
"""
import os
import re
import unicodedata
from datetime import date

from flask import Response, send_file, stream_with_context

from fieldnotes.exports.csv_file import csv_chunks
from fieldnotes.exports.json_file import json_chunks
from fieldnotes.exports.xlsx_file import xlsx_temp_file

MIMETYPES = {"csv": "text/csv", "json": "application/json",
             "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}
STREAMED = {"csv": csv_chunks, "json": json_chunks}


def notes_file(scope, audience, fmt):
    """The scope's notes for this audience as a download in `fmt` (csv, json or xlsx), never cached."""
    name = file_name(scope.study.name, scope.slug, fmt)
    if fmt == "xlsx":
        return sent_and_deleted(xlsx_temp_file(scope, audience), name)
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return Response(stream_with_context(STREAMED[fmt](scope, audience)), mimetype=MIMETYPES[fmt], headers=headers)


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
