"""Transcripts: recordings of notes and interviews, turned into time-coded text by a local engine."""
from flask import Blueprint

bp = Blueprint("transcripts", __name__, cli_group=None)

from fieldnotes.transcripts import erase, models, views, work  # noqa: E402,F401  (tables, jobs, routes, hooks)
