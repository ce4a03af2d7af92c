"""Operating a deployment: backup and restore, daily housekeeping, and serving a phone trial, as `flask` commands."""
from flask import Blueprint

bp = Blueprint("ops", __name__, cli_group=None)

from fieldnotes.ops import backup, housekeeping, phone, summaries_cli  # noqa: E402,F401  (the commands register on bp)
