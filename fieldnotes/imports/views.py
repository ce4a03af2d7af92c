"""Import pages."""
from fieldnotes.imports import bp  # noqa: F401
