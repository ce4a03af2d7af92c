"""flask seed-demo: a realistic study to explore Fieldnotes with."""
from flask import Blueprint

bp = Blueprint("demo", __name__, cli_group=None)

from fieldnotes.demo import cli  # noqa: E402,F401  (the command registers on bp)
