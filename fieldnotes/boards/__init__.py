"""Boards: curated insights with consented evidence, for executives; presented, printed, shared."""
from flask import Blueprint

bp = Blueprint("boards", __name__, cli_group=None)

from fieldnotes.boards import builder, erase, evidence_pages, share, views  # noqa: E402,F401  (routes, eraser)
