"""Data in: CSV notes, REFI-QDA codebooks and study archives, through the same write path as phones.

Every import is a page and a `flask import` command.
"""
from flask import Blueprint

bp = Blueprint("imports", __name__, cli_group="import")

from fieldnotes.imports import views  # noqa: E402,F401  (pages and commands register on bp)
from fieldnotes.imports import archive_cli, archive_pages  # noqa: E402,F401
from fieldnotes.imports import csv_cli  # noqa: E402,F401  (flask import notes)
from fieldnotes.imports import codebook_cli, codebook_pages  # noqa: E402,F401  (REFI-QDA codebook into tags)
from fieldnotes.imports import roster_pages  # noqa: E402,F401  (organisations and participants, issue 15)
