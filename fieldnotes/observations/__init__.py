"""Notes from the field: reading one note, with its revisions and media."""
from flask import Blueprint

bp = Blueprint("observations", __name__, cli_group=None)

from fieldnotes.observations import api  # noqa: E402,F401  (routes register on bp)
