"""API routes."""
from fieldnotes.api import bp  # noqa: F401
