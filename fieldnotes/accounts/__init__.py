"""Accounts: one customer organisation over time, across the studies the viewer is a member of.

The account page (`story.py` reads, `views.py` shows), the study's accounts list, editing an account
and the merge tool for near-duplicates. The model, name rule and merge service are `organisations`'.
"""
from flask import Blueprint

bp = Blueprint("accounts", __name__, cli_group=None)

from fieldnotes.accounts import views  # noqa: E402,F401  (routes register on bp)
