"""Insights: affinity grouping of notes into insights and themes, with suggested groups."""
from flask import Blueprint

bp = Blueprint("insights", __name__, cli_group=None)

from fieldnotes.insights import api, views  # noqa: E402,F401  (routes register)
