"""Explore: designers browse, search and tag every note, and see the journey at a glance."""
from flask import Blueprint

bp = Blueprint("explore", __name__, cli_group=None)

from fieldnotes.explore import browse, matrix, note, tag_pages  # noqa: E402,F401  (routes register)
