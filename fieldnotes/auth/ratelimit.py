"""Slow down password guessing: count failed sign-ins per account and per address."""
import math

from flask import current_app, request
from sqlalchemy import delete, func, select
from werkzeug.exceptions import TooManyRequests

from fieldnotes.auth.models import FailedLogin, utcnow
from fieldnotes.extensions import db


def seconds_until_allowed(email, address):
    """0 when a sign-in may be tried, else how long until the oldest failure ages out."""
    config = current_app.config
    since = utcnow() - config["LOGIN_WINDOW"]
    for column, value, limit in ((FailedLogin.email, email, config["LOGIN_LIMIT_PER_ACCOUNT"]),
                                 (FailedLogin.address, address, config["LOGIN_LIMIT_PER_ADDRESS"])):
        count, oldest = db.session.execute(
            select(func.count(), func.min(FailedLogin.at)).where(column == value, FailedLogin.at > since)
        ).one()
        if count >= limit:
            return max(1, math.ceil((oldest - since).total_seconds()))
    return 0


def record_failure(email, address):
    """Add a failure and forget the ones too old to matter; the caller commits."""
    db.session.add(FailedLogin(email=email, address=address))
    cutoff = utcnow() - current_app.config["LOGIN_WINDOW"]
    db.session.execute(delete(FailedLogin).where(FailedLogin.at < cutoff))


def refuse_if_limited(email):
    """Raise 429 with Retry-After while `email` or this address has too many recent failures."""
    wait = seconds_until_allowed(email, client_address())
    if wait:
        raise TooManyRequests(f"Too many failed sign-ins. Try again in {wait} seconds.", retry_after=wait)


def client_address():
    return request.remote_addr or "unknown"
