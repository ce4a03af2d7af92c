"""Signing in and out, invites: the steps views and commands share."""
import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import NamedTuple

from flask import current_app, request
from flask_login import login_user, logout_user
from sqlalchemy import Select, bindparam, delete, select

from fieldnotes.auth import known_devices
from fieldnotes.auth.models import Invite, LoginSession, SessionUser, User, utcnow
from fieldnotes.extensions import db, login_manager
from fieldnotes.tokens import token_digest


# Built once, not per request: SQLAlchemy keeps a statement object's cache key, where a new one is
# built and hashed again each time (a third of a pull with no changes, profiled for issue 11).
# Plain columns, not entities: every request runs it, and an ORM load of the session and its user
# (identity map, eager-load setup) cost three times the query (issue 11, session 5).
_sessions, _users = LoginSession.__table__, User.__table__
# The user's name rides along: every page's header shows it, and it was a statement of its own (session 25).
SESSION_ROW = (select(_sessions.c.user_id, _sessions.c.created_at, _users.c.is_active, _users.c.name)
               .join_from(_sessions, _users, _users.c.id == _sessions.c.user_id)
               .where(_sessions.c.token_hash == bindparam("token_hash")))


class ReadAlong(NamedTuple):
    """What an endpoint reads in the same statement as the sign-in (SIGNED_IN_WITH)."""
    statement: Select  # SESSION_ROW with more columns, outer-joined so that the session's row stays one row
    params: Callable  # () -> its parameters from the request, or None to read the session alone
    keep: Callable  # (row) -> None: keeps what it read for the view, called only once the row signs in


# By endpoint: reads a feature above auth adds to the sign-in's own statement, so that its busiest request
# pays one round trip to the database, not two (the phone's pull with no changes, sync/pull.py; issue 11,
# session 7). The session checks below are the same whatever rides along.
SIGNED_IN_WITH = {}


@login_manager.user_loader
def load_session(token):
    """The cookie names a LoginSession; a deleted one (logout elsewhere) means anonymous.

    A session lasts at most as long as the remember cookie, counted here from
    sign-in: the cookie's own expiry is only the browser's word, and a copied
    one would otherwise work for ever (ASVS 7.3.2).
    """
    # The session and its user's state in one query, on the session's own connection and
    # transaction: this runs on every request (issue 11). The User itself loads when a view asks.
    along = SIGNED_IN_WITH.get(request.endpoint)
    params = along.params() if along else None
    statement = SESSION_ROW if params is None else along.statement
    row = db.session.connection().execute(statement, {**(params or {}), "token_hash": token_digest(token)}).first()
    if row is None or not row.is_active:
        return None
    if row.created_at < utcnow() - current_app.config["REMEMBER_COOKIE_DURATION"]:
        return None
    if params is not None:
        along.keep(row)
    return SessionUser(None, token, user_id=row.user_id, active=True, name=row.name)


def sign_in(user, remember, user_agent=""):
    """Start a fresh session (a new id at every sign-in, ASVS 7.2.4); the caller commits.

    The browser becomes a known device of the account, which sign-in throttling lets pass.
    """
    _, token = LoginSession.start(user, user_agent)
    login_user(SessionUser(user, token), remember=remember)
    known_devices.remember(user)


def sign_out(session_user):
    """End this browser's session only; other devices stay signed in. The caller commits."""
    db.session.execute(delete(LoginSession).where(
        LoginSession.token_hash == token_digest(session_user.token)))
    logout_user()


def end_other_sessions(session_user):
    """Sign out every other browser, as after a password change; the caller commits."""
    db.session.execute(delete(LoginSession).where(
        LoginSession.user_id == session_user.id,
        LoginSession.token_hash != token_digest(session_user.token)))


def create_invite(user):
    """Return the raw token of a new invite for `user`; only its hash is stored. The caller commits."""
    token = secrets.token_urlsafe(32)
    days = current_app.config["INVITE_DAYS"]
    db.session.add(Invite(user=user, token_hash=token_digest(token),
                          expires_at=utcnow() + timedelta(days=days)))
    return token


def find_invite(token):
    """The unused, unexpired invite for `token`, or None.

    Someone invited to two studies holds two links; once they have joined
    (set a password) through either, the other must not reset that password.
    """
    invite = db.session.scalar(select(Invite).where(Invite.token_hash == token_digest(token)))
    if (invite is None or invite.used_at is not None or invite.expires_at < utcnow()
            or invite.user.password_hash is not None):
        return None
    return invite


def create_user(email, name, password=None):
    """Add a user; without a password they can only join through an invite. The caller commits."""
    user = User(email=email.strip().lower(), name=name)
    if password:
        user.set_password(password)
    db.session.add(user)
    return user
