"""Notes from the field: the note and its change stream (changes.py), and reading one note with its media."""
from flask import Blueprint

bp = Blueprint("observations", __name__, cli_group=None)

from fieldnotes.observations import api, erase  # noqa: E402,F401  (routes and the erasure hook register)
