"""Workshops: a live synthesis session in a room; phones as card decks, a TV as the wall."""
from flask import Blueprint

bp = Blueprint("workshops", __name__, cli_group=None)

from fieldnotes.workshops import erase, pages, phone, wall  # noqa: E402,F401  (routes, eraser)
