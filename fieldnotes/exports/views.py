"""Export pages."""
from fieldnotes.exports import bp  # noqa: F401
