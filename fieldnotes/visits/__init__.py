"""Site visits and the participants observed on them."""
from flask import Blueprint

bp = Blueprint("visits", __name__, cli_group=None)

from fieldnotes.visits import linking, participants, views  # noqa: E402,F401  (routes register on bp)
