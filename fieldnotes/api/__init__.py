"""The versioned JSON API for scripts (/api/v1), with personal access tokens and an OpenAPI document."""
from flask import Blueprint

from fieldnotes.auth import access_tokens

bp = Blueprint("api", __name__, url_prefix="/api/v1", cli_group=None)


@bp.before_request
def check_token():
    """A bearer token signs the request in as its owner, within its scopes and rate (auth/access_tokens.py)."""
    access_tokens.check_request()


from fieldnotes.api import views  # noqa: E402,F401  (routes register on bp)
from fieldnotes.api import me  # noqa: E402,F401  (GET /api/v1/me: who a token or session acts as)
from fieldnotes.api import boards, docs, fieldwork, insights, notes, studies  # noqa: E402,F401  (routes)
from fieldnotes.api import exports  # noqa: E402,F401  (the notes as CSV and JSON files)
