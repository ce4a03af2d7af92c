"""The visit kit: a study's brief, each visit's plan, the phone's role guide, the interpretation session."""
from flask import Blueprint

bp = Blueprint("fieldkit", __name__, cli_group=None)

# Routes register on bp; erase and panels register into visits' erasers and studies' panels.
from fieldnotes.fieldkit import brief_pages, downloads, erase, panels, plan_pages, session_pages  # noqa: E402,F401
