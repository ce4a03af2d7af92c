"""Personal access tokens: a script calls /api/v1 as its owner with `Authorization: Bearer fn_pat_...`.

A token is made on the account page and shown once; only its digest is kept (tokens.py). It acts
as its owner: `current_user` is the owner for that request, and the same permission table
(studies/permissions.py) decides. The token adds only a ceiling: a read-only token may not write.

Accepted only in the Authorization header and only under /api/v1: a token in an address ends up in
logs and browser history, so one in the query string is refused outright (400), and nowhere else is
a bearer header read at all. A request sends either a token or a session cookie, not both, so a
token never mixes with a browser's session (and the cross-site check in security.py can let a
bearer request without cookies through: no cookie, nothing a forged request could borrow).

What a refusal says: whoever sends a token that has expired or was revoked holds that token, so
telling them which is no leak; unknown, malformed and disabled-account tokens get one and the same
answer, so nobody learns from it which tokens or accounts exist.

Rate: API_TOKEN_RATE_LIMIT requests a minute per token, counted in the token's own row with one
UPDATE per request (a fixed window, so a burst across a minute's edge may reach twice the limit),
which every worker and machine shares, as auth/ratelimit.py shares failed sign-ins.
"""
import secrets
from datetime import timedelta

from flask import current_app, g, request
from sqlalchemy import case, or_, select, update
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import BadRequest, Forbidden, TooManyRequests, Unauthorized

from fieldnotes.auth.models import PersonalAccessToken, SessionUser, utcnow
from fieldnotes.errors import NotFound, Refused
from fieldnotes.extensions import db, login_manager
from fieldnotes.tokens import token_digest
from fieldnotes.writers import writer_turn

PREFIX = "fn_pat_"
API_PREFIX = "/api/v1/"
# What the form offers, and the scopes each stores: write implies read.
ACCESS = {"read": "Read only", "write": "Read and write"}
SCOPES = {"read": "read", "write": "read write"}
# The form's choices; no "never": a forgotten token stops working on its own.
EXPIRY_DAYS = {7: "7 days", 30: "30 days", 90: "90 days", 365: "1 year"}
DEFAULT_EXPIRY_DAYS = 90
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
QUERY_NAMES = {"token", "access_token", "api_key"}
LAST_USED_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often
NOT_VALID = "This token is not valid: check that you copied all of it, or make a new one on your account page."


def now():
    """The clock the expiry and the rate window read (tests set it)."""
    return utcnow()


class TokenUser(SessionUser):
    """What current_user is during a bearer request: the owner, and the token they sent."""

    def __init__(self, access_token):
        super().__init__(access_token.user, None)
        self.access_token = access_token


class InvalidToken(Unauthorized):
    """401 with the RFC 6750 challenge a client library understands."""

    def get_headers(self, environ=None, scope=None):
        return [*super().get_headers(environ, scope), ("WWW-Authenticate", 'Bearer error="invalid_token"')]


# The account page: make, list and revoke

def create(user, name, access, days):
    """Add a token for `user`; return (row, token). The token is in no other place: show it now.

    :raise Refused: the user already has a token by that name. The caller commits.
    """
    token = PREFIX + secrets.token_urlsafe(32)
    row = PersonalAccessToken(user=user, name=name, token_hash=token_digest(token), scopes=SCOPES[access],
                              created_at=now(), expires_at=now() + timedelta(days=days))
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # the name is taken (checked by the unique constraint, so a race can't pass)
        raise Refused(errors={"name": [f"You already have a token named “{name}”: choose another name."]})
    return row, token


def tokens_of(user):
    """The user's tokens, newest first, revoked and expired ones too (so the owner sees why one fails)."""
    return db.session.scalars(select(PersonalAccessToken).where(PersonalAccessToken.user_id == user.id)
                              .order_by(PersonalAccessToken.created_at.desc(), PersonalAccessToken.id.desc())).all()


def revoke(user, token_id):
    """Stop one of `user`'s tokens working, at once; revoking twice is harmless. The caller commits."""
    row = db.session.scalar(select(PersonalAccessToken).where(
        PersonalAccessToken.id == token_id, PersonalAccessToken.user_id == user.id))
    if row is None:
        raise NotFound("No such token on your account.")
    if row.revoked_at is None:
        row.revoked_at = now()
    return row


def revoke_all(user):
    """Stop every live token of `user` working, as after a password change: a script holding one keeps
    the old password's reach otherwise. Returns how many were live. The caller commits."""
    table = PersonalAccessToken.__table__
    return db.session.execute(update(table).where(table.c.user_id == user.id, table.c.revoked_at.is_(None),
                                                  table.c.expires_at > now()).values(revoked_at=now())).rowcount


def status(row):
    """'active', 'expired' or 'revoked', as the account page shows it."""
    if row.revoked_at is not None:
        return "revoked"
    return "expired" if row.expires_at <= now() else "active"


# A bearer request under /api/v1

def under_api():
    return request.path.startswith(API_PREFIX)


def bearer_sent():
    """True when this /api/v1 request carries an Authorization header: the only place a token is read."""
    return under_api() and "Authorization" in request.headers


def check_request():
    """Run before every /api/v1 view: refuse a misplaced, invalid, over-limit or out-of-scope token.

    Without an Authorization header the request goes on as a browser's session (or anonymous).
    """
    if any(name.lower() in QUERY_NAMES or PREFIX in value for name, value in request.args.items(multi=True)):
        raise BadRequest("Send the token in the Authorization header (Authorization: Bearer fn_pat_...), "
                         "never in the address: addresses are kept in logs and histories. "
                         "Revoke this token on your account page and make a new one.")
    if not bearer_sent():
        return
    config = current_app.config
    if config["SESSION_COOKIE_NAME"] in request.cookies or config["REMEMBER_COOKIE_NAME"] in request.cookies:
        raise BadRequest("Send either a token or a session cookie, not both.")
    row = authenticated()
    count_request(row)
    check_scope(row)


@login_manager.request_loader
def load_bearer(_request):
    """Flask-Login asks here when no session cookie signed the request in. Nothing is stored: no cookie."""
    if not bearer_sent():
        return None
    return TokenUser(authenticated())


def authenticated():
    """The live token this request sends, looked up once per request; else 401."""
    if "access_token" not in g:
        g.access_token = live_token(request.headers.get("Authorization", ""))
    return g.access_token


def live_token(header):
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token.startswith(PREFIX):
        raise InvalidToken("Send a personal access token as: Authorization: Bearer fn_pat_...")
    row = db.session.scalar(select(PersonalAccessToken).where(PersonalAccessToken.token_hash == token_digest(token)))
    if row is None or not row.user.is_active:
        raise InvalidToken(NOT_VALID)
    if row.revoked_at is not None:
        raise InvalidToken("This token was revoked. Make a new one on your account page.")
    if row.expires_at <= now():
        raise InvalidToken(f"This token expired on {row.expires_at:%Y-%m-%d %H:%M} UTC. "
                           "Make a new one on your account page.")
    return row


def count_request(row):
    """Count this request in the token's minute and note when it was last used; 429 past the limit.

    One UPDATE, committed at once so other workers see the count and PostgreSQL's row lock is held
    for no longer than the statement (on SQLite inside the writers' turn, writers.py).
    """
    table = PersonalAccessToken.__table__
    at = now()
    window = at.replace(second=0, microsecond=0)
    same_window = table.c.rate_window_start == window
    stale = or_(table.c.last_used_at.is_(None), table.c.last_used_at <= at - LAST_USED_EVERY)
    with writer_turn():
        count = db.session.execute(update(table).where(table.c.id == row.id).values(
            rate_window_count=case((same_window, table.c.rate_window_count + 1), else_=1),
            rate_window_start=window,
            last_used_at=case((stale, at), else_=table.c.last_used_at),
        ).returning(table.c.rate_window_count)).scalar()
        db.session.commit()
    if count is None:  # its account was deleted since the lookup
        raise InvalidToken(NOT_VALID)
    if count > current_app.config["API_TOKEN_RATE_LIMIT"]:
        wait = max(1, 60 - at.second)
        raise TooManyRequests(f"This token made too many requests this minute. Try again in {wait} seconds.",
                              retry_after=wait)


def check_scope(row):
    """403 when a read-only token asks to change something; otherwise the owner's role decides."""
    if request.method not in READ_METHODS and "write" not in row.scopes.split():
        raise Forbidden("This token may only read. Make a token with read and write access to change things.")
