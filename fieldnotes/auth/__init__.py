"""Accounts: sign in and out, passwords, invites, sessions that really end."""
from flask import Blueprint

bp = Blueprint("auth", __name__, cli_group=None)

from fieldnotes.auth import cli, views  # noqa: E402,F401  (routes and commands register on bp)
