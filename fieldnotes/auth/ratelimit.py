"""Slow password guessing down without letting anyone lock a researcher out (ASVS 6.1.1, 6.3.1).

A lockout after N failures lets anyone who knows an email keep its owner out, and one
per address locks out a whole office behind one NAT address. OWASP's guidance is to
throttle rather than lock, and to let a device that already proved the password pass.
So every rule here answers 429 with Retry-After, a delay the client waits out, and
none of them refuses the owner on a device they signed in from before:

1. Per account and client: the client is this browser if it is a known device for the
   account (known_devices.py), else the network address. The first FREE_TRIES failures
   cost nothing, then each failure doubles the wait, up to a fifteenth of the window (a
   minute by default): someone who mistypes waits a second or two, a steady guesser
   one minute a guess. (The top stays low enough that a steady guesser keeps fifteen
   failures in the window; a higher one would let the count, and the delay, fall back.)
   A good sign-in clears the pair's failures.
2. Per account, for unknown devices only: past LOGIN_LIMIT_PER_ACCOUNT failures in the
   window, from anywhere, one try per window / limit. Guessers spread over many
   addresses get about that many guesses per window, not a 15-minute lock of the account.
3. Per address, for unknown devices only: past LOGIN_LIMIT_PER_ADDRESS failures in the
   window, across accounts, one try per window / limit from that address.

Counts live in the database (FailedLogin), so every worker and machine shares them. A
known device's failures are counted under "device:<id>" instead of its address.
"""
import math
from dataclasses import dataclass

from flask import current_app, request
from sqlalchemy import delete, func, not_, select
from werkzeug.exceptions import TooManyRequests

from fieldnotes.auth import known_devices
from fieldnotes.auth.models import FailedLogin, normalise_email, utcnow
from fieldnotes.extensions import db

FREE_TRIES = 3
FIRST_DELAY = 1  # seconds, after the free tries; doubles with each further failure
STEADY_FAILURES = 15  # the longest delay is the window divided by this
DEVICE = "device:"


@dataclass(frozen=True)
class Client:
    """Who is trying: `key` is what their failures are counted under."""

    key: str
    known: bool


def now():
    """The clock every rule reads (tests set it)."""
    return utcnow()


def client_for(user):
    """A known device of `user`'s account, or this network address (`user` None: an unknown email)."""
    device = known_devices.device_of(user)
    if device:
        return Client(DEVICE + device, known=True)
    return Client(client_address(), known=False)


def seconds_to_wait(email, client):
    """0 when this client may try a password for `email` now, else how long until it may."""
    email = normalise_email(email)
    config = current_app.config
    waits = [pair_wait(email, client.key)]
    if not client.known:
        unknown_device = not_(FailedLogin.address.startswith(DEVICE, autoescape=True))
        waits.append(spaced_wait(config["LOGIN_LIMIT_PER_ACCOUNT"], FailedLogin.email == email, unknown_device))
        waits.append(spaced_wait(config["LOGIN_LIMIT_PER_ADDRESS"], FailedLogin.address == client.key))
    return max(waits)


def pair_wait(email, key):
    count, last = recent(FailedLogin.email == email, FailedLogin.address == key)
    if count < FREE_TRIES:
        return 0
    longest = current_app.config["LOGIN_WINDOW"].total_seconds() / STEADY_FAILURES
    delay = min(FIRST_DELAY * 2 ** min(count - FREE_TRIES, 20), longest)
    return remaining(last, delay)


def spaced_wait(limit, *conditions):
    """Past `limit` failures in the window: one try per window / limit, counted from the last failure."""
    count, last = recent(*conditions)
    if count < limit:
        return 0
    return remaining(last, current_app.config["LOGIN_WINDOW"].total_seconds() / limit)


def recent(*conditions):
    since = now() - current_app.config["LOGIN_WINDOW"]
    return db.session.execute(
        select(func.count(), func.max(FailedLogin.at)).where(*conditions, FailedLogin.at > since)).one()


def remaining(last, delay):
    return max(0, math.ceil(delay - (now() - last).total_seconds()))


def refuse_if_limited(email, client):
    """Raise 429 with Retry-After while this client must wait before trying a password for `email`."""
    wait = seconds_to_wait(email, client)
    if wait:
        raise TooManyRequests(f"Too many failed sign-ins. Try again in {wait} seconds.", retry_after=wait)


def record_failure(email, client):
    """Count a failure and forget the ones too old to matter; the caller commits."""
    db.session.add(FailedLogin(email=normalise_email(email), address=client.key, at=now()))
    cutoff = now() - current_app.config["LOGIN_WINDOW"]
    db.session.execute(delete(FailedLogin).where(FailedLogin.at < cutoff))


def record_success(email, client):
    """The pair's own failures were the owner mistyping: forget them. Others' failures stay counted."""
    db.session.execute(delete(FailedLogin).where(
        FailedLogin.email == normalise_email(email), FailedLogin.address == client.key))


def client_address():
    return request.remote_addr or "unknown"
