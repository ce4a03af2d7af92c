"""Highlights: a span of a long note becomes evidence of its own, linked to where it came from."""
from flask import Blueprint

bp = Blueprint("highlights", __name__, cli_group=None)

from fieldnotes.highlights import erase, views  # noqa: E402,F401  (routes and the erasure hook register)
