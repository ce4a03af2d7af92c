"""The versioned JSON API for scripts (/api/v1), with personal access tokens and an OpenAPI document."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1", cli_group=None)

from fieldnotes.api import views  # noqa: E402,F401  (routes register on bp)
from fieldnotes.api import boards, docs, fieldwork, insights, notes, studies  # noqa: E402,F401  (routes)
