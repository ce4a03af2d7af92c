"""Sync between phones and the shared store: push, pull, study context and media uploads."""
from flask import Blueprint, current_app, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import ServiceUnavailable

from fieldnotes.errors import handle_http_error
from fieldnotes.extensions import db

bp = Blueprint("sync", __name__, cli_group=None)
RETRY_AFTER_SECONDS = 5


@bp.record_once
def add_test_hooks(state):
    # Fault injection for browser tests; it must not exist outside a testing build.
    if state.app.config.get("TESTING"):
        from fieldnotes.sync import testhooks
        testhooks.install(state.app)


@bp.app_errorhandler(OperationalError)
def database_unavailable(error):
    """The database is down, restarting or busy: a phone should keep its notes and retry soon."""
    db.session.rollback()
    current_app.logger.warning("database unavailable on %s: %s", request.path, error.orig)
    unavailable = ServiceUnavailable("The database is not reachable right now; try again shortly.")
    unavailable.retry_after = RETRY_AFTER_SECONDS
    return handle_http_error(unavailable)


from fieldnotes.sync import media_api, views  # noqa: E402,F401  (routes register)
