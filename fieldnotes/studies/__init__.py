"""Studies: their journey (touchpoints), roles, tags and members."""
from flask import Blueprint

bp = Blueprint("studies", __name__, cli_group=None)

from fieldnotes.studies import members, taxonomy, views  # noqa: E402,F401  (routes register on bp)
