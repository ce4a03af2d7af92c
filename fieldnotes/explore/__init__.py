"""Explore: designers browse, search and tag every note, and see the journey at a glance."""
import importlib

from flask import Blueprint

bp = Blueprint("explore", __name__, cli_group=None)

# Two helpers build this package at once; a module not written yet is simply not loaded.
for _module in ("browse", "matrix", "note", "tag_pages"):
    try:
        importlib.import_module(f"fieldnotes.explore.{_module}")
    except ModuleNotFoundError as _error:
        if _error.name != f"fieldnotes.explore.{_module}":
            raise
