"""flask seed-demo: a realistic study to explore Fieldnotes with."""
from flask import Blueprint

bp = Blueprint("demo", __name__, cli_group=None)
