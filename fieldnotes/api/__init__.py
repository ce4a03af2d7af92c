"""The versioned JSON API for scripts (/api/v1), with personal access tokens and an OpenAPI document."""
from flask import Blueprint

from fieldnotes.auth import access_tokens

bp = Blueprint("api", __name__, url_prefix="/api/v1", cli_group=None)


@bp.before_request
def check_token():
    """A bearer token signs the request in as its owner, within its scopes and rate (auth/access_tokens.py)."""
    access_tokens.check_request()


# The route modules register on bp; /me says who a token or session acts as, exports are CSV and JSON files.
from fieldnotes.api import boards, docs, exports, fieldwork, insights, me, notes, studies  # noqa: E402,F401
