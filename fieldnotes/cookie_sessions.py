"""Flask's signed cookie session, verified once per cookie rather than once per request.

A phone repeats the same request with the same session cookie all day (a pull every few minutes,
pushes in between). Flask checks the cookie's HMAC, decodes its base64 and JSON, and builds a new
itsdangerous serializer on every request: a sixth of a pull with no changes (issue 11, session 5).
Here a cookie value whose signature was verified with the current key is remembered with what it
held and when it was signed, so the next request with the very same value only checks its age.

Nothing is trusted that was not verified: the cache is keyed by the exact cookie value and the
secret key, a forged or altered value misses it and goes through Flask's full check, and the age
limit (PERMANENT_SESSION_LIFETIME) is applied on every request as before. Each request gets its own
copy of the data, so one request's changes never reach another. Revocation does not live in this
cookie: it names a LoginSession row, read on every request (auth/service.py).
"""
import copy
import threading
import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

# Cookies remembered per process; past this the memory starts again (a few hundred bytes each).
REMEMBERED = 4096


class VerifiedOnce(SecureCookieSessionInterface):

    def __init__(self):
        self._verified = {}
        self._serializers = {}
        self._lock = threading.Lock()

    def get_signing_serializer(self, app):
        # Flask builds one per request (and serialises a test value to see what it makes); the key rarely changes.
        key = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        serializer = self._serializers.get(key)
        if serializer is None:
            serializer = super().get_signing_serializer(app)
            with self._lock:
                self._serializers = {key: serializer}
        return serializer

    def open_session(self, app, request):
        value = request.cookies.get(self.get_cookie_name(app))
        if not value or not app.secret_key:
            return super().open_session(app, request)
        max_age = int(app.permanent_session_lifetime.total_seconds())
        remembered = self._verified.get((app.secret_key, value))
        if remembered is not None and 0 <= time.time() - remembered[0] <= max_age:
            return self.session_class(private_copy(remembered[1]))
        serializer = self.get_signing_serializer(app)
        try:
            data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
        except BadSignature:
            return self.session_class()
        with self._lock:
            if len(self._verified) >= REMEMBERED:
                self._verified = {}
            self._verified[(app.secret_key, value)] = (signed_at.timestamp(), copy.deepcopy(data))
        return self.session_class(data)


# Values a request cannot change in place: a signed-in session holds only these (Flask-Login's _user_id,
# _id and _fresh), so its copy need not be deep.
IMMUTABLE = (str, int, float, bool, type(None))


def private_copy(data):
    """What a remembered cookie held, for one request to change as it likes. The session class copies the
    dict itself; deepcopy walked every value of a signed-in session only to copy strings (issue 11, session 8)."""
    if all(type(value) in IMMUTABLE for value in data.values()):
        return data
    return copy.deepcopy(data)
