"""Cross-site request checks and security headers on every response."""
from urllib.parse import urlsplit

from flask import abort, request

from fieldnotes.config import cookie_settings

# The methods that change state: checked for cross-site origin here; writers.py serialises them on SQLite.
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}

CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' blob: data:",
    "media-src 'self' blob:",
    "connect-src 'self'",
    "worker-src 'self'",
    "manifest-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
])


def init_app(app):
    # Either setting asks for secure cookies; both cookies then follow.
    app.config.update(cookie_settings(app.config["SECURE_COOKIES"] or app.config["SESSION_COOKIE_SECURE"]))
    app.before_request(refuse_cross_site_writes)
    app.after_request(add_security_headers)


def refuse_cross_site_writes():
    """CSRF protection without tokens, for forms and JSON alike.

    Browsers say where a request came from (Sec-Fetch-Site, or Origin in older
    ones); a state change is refused unless it came from this origin. Requests
    with neither header come from non-browser clients, which carry no ambient
    cookies to abuse. Same approach as Datasette and Go's CrossOriginProtection.
    """
    if request.method not in UNSAFE_METHODS:
        return None
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        if site not in {"same-origin", "none"}:
            abort(403, "Cross-site request refused.")
        return None
    origin = request.headers.get("Origin")
    if origin and not same_origin(origin):
        abort(403, "Cross-site request refused.")
    return None


def same_origin(origin):
    if origin == "null":
        return False
    parts = urlsplit(origin)
    return (parts.scheme, parts.netloc) == (request.scheme, request.host)


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Permissions-Policy", "geolocation=(), camera=(self), microphone=(self)")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    # Pages name participants and the API carries notes: never keep them in shared caches.
    if request.path.startswith("/api/") or response.mimetype == "text/html":
        headers.setdefault("Cache-Control", "no-store")
    return response


def add_static_headers(headers, path, url):
    """WhiteNoise answers static files before Flask sees them: give them nosniff too."""
    headers["X-Content-Type-Options"] = "nosniff"
