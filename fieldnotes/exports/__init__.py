"""Data out: CSV, XLSX and JSON of notes, REFI-QDA projects and codebooks, and the study archive.

Every export is a page (from a browse filter, a board, a study) and a `flask export` command.
"""
from flask import Blueprint

bp = Blueprint("exports", __name__, cli_group="export")

from fieldnotes.exports import views  # noqa: E402,F401  (pages and commands register on bp)
from fieldnotes.exports import archive_cli, archive_pages  # noqa: E402,F401
from fieldnotes.exports import tabular_cli  # noqa: E402,F401
from fieldnotes.exports import qda_cli, qda_pages  # noqa: E402,F401  (REFI-QDA project and codebook)
