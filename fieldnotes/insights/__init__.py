"""Insights: affinity grouping of notes into insights and themes, with suggested groups."""
import importlib

from flask import Blueprint

bp = Blueprint("insights", __name__, cli_group=None)

# Views are added while the package is being built; a module not written yet is simply not loaded.
for _module in ("views", "api"):
    try:
        importlib.import_module(f"fieldnotes.insights.{_module}")
    except ModuleNotFoundError as _error:
        if _error.name != f"fieldnotes.insights.{_module}":
            raise
