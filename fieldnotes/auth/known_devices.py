"""Known devices: a signed cookie, set at every good sign-in, naming the accounts that signed in there.

Sign-in throttling (ratelimit.py) trusts a browser that already proved it knows an
account's password: that account's failures elsewhere do not slow it down, and a busy
office address does not hold it up. This is OWASP's "device cookie" (Slow Down Online
Guessing Attacks with Device Cookies). The cookie is HttpOnly and signed with the app's
secret, so no page script can read it and nobody can write one for an account they
never signed in to. It survives sign-out on purpose: it names a device, not a session.
"""
import secrets
from datetime import timedelta

from flask import after_this_request, current_app, request
from itsdangerous import BadData, URLSafeTimedSerializer

LIFETIME = timedelta(days=365)  # refreshed at every good sign-in
MAX_ACCOUNTS = 8  # a shared phone or laptop: the most recent accounts signed in on it
SALT = "fieldnotes.known-device"


def serializer():
    return URLSafeTimedSerializer(current_app.secret_key, salt=SALT)


def cookie_name():
    # Like the session cookies: __Host- on HTTPS, so a sibling subdomain cannot plant one.
    return "__Host-known_device" if current_app.config["SESSION_COOKIE_SECURE"] else "known_device"


def read():
    """{"device": id, "accounts": [user ids]} from this request's cookie, or None if absent or forged."""
    raw = request.cookies.get(cookie_name())
    if not raw:
        return None
    try:
        data = serializer().loads(raw, max_age=int(LIFETIME.total_seconds()))
    except BadData:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("device"), str) \
            or not isinstance(data.get("accounts"), list):
        return None
    return data


def device_of(user):
    """This browser's device id when it has signed in to `user`'s account before, else None."""
    data = read() if user is not None else None
    if data and user.id in data["accounts"]:
        return data["device"]
    return None


def remember(user):
    """After this response, the browser knows `user`'s account (added to the accounts it knew)."""
    data = read() or {"device": secrets.token_urlsafe(16), "accounts": []}
    accounts = [user.id] + [a for a in data["accounts"] if a != user.id]
    value = serializer().dumps({"device": data["device"], "accounts": accounts[:MAX_ACCOUNTS]})

    @after_this_request
    def set_cookie(response):
        response.set_cookie(cookie_name(), value, max_age=int(LIFETIME.total_seconds()), path="/",
                            secure=current_app.config["SESSION_COOKIE_SECURE"], httponly=True, samesite="Lax")
        return response
