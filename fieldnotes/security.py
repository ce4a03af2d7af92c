"""Cross-site request checks, security headers on every response, and no secret link in a log."""
import hashlib
import logging
import re
from urllib.parse import urlsplit

from flask import abort, current_app, request

from fieldnotes.config import cookie_settings
from fieldnotes.cookie_sessions import VerifiedOnce

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

# What every answer from Flask carries (pages, media, downloads) but JSON (NOT_A_PAGE) and the workers' scripts
# (WORKER_SCRIPT). Static files: STATIC_FILE, below.
EVERY_RESPONSE = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "geolocation=(), camera=(self), microphone=(self)",
}

HEADER_LIST = "fieldnotes.header_list"
DATA_HEADER_LIST = "fieldnotes.data_header_list"
WORKER_HEADER_LIST = "fieldnotes.worker_header_list"
HSTS = "max-age=31536000; includeSubDomains"

# Tokens that are the whole key: a board share link opens the board to anyone, an invite sets a password,
# a session token signs its browser in. A log keeps their first 4 characters (24 bits): enough to tell
# two links apart, nothing to open one with. Caught in a share or invite path whatever their length,
# and anywhere as a run of 43 URL-safe characters (secrets.token_urlsafe(32), what they all are).
# A personal access token (auth/access_tokens.py) is caught by its prefix, in a header or an address.
SECRET_LINK = re.compile(r"(/(?:share|invite)/|fn_pat_)([A-Za-z0-9_-]{4})[A-Za-z0-9_-]+")
BARE_TOKEN = re.compile(r"(?<![A-Za-z0-9_-])()([A-Za-z0-9_-]{4})[A-Za-z0-9_-]{39}(?![A-Za-z0-9_-])")


def response_headers(script_hashes=()):
    """EVERY_RESPONSE with the inline scripts allowed by their hash: the import map (assets.py), which only
    names files. No other inline script runs."""
    policy = CONTENT_SECURITY_POLICY.replace("script-src 'self'", " ".join(["script-src 'self'", *script_hashes]))
    return {**EVERY_RESPONSE, "Content-Security-Policy": policy}


def init_app(app, script_hashes=()):
    # Either setting asks for secure cookies; both cookies then follow.
    app.config.update(cookie_settings(app.config["SECURE_COOKIES"] or app.config["SESSION_COOKIE_SECURE"]))
    app.extensions["fieldnotes.headers"] = response_headers(script_hashes)
    # The same with each name in lower case beside it, spelt once, not for every response.
    app.extensions[HEADER_LIST] = lower_cased(app.extensions["fieldnotes.headers"])
    app.extensions[DATA_HEADER_LIST] = lower_cased(NOT_A_PAGE)
    app.extensions[WORKER_HEADER_LIST] = lower_cased(WORKER_SCRIPT)
    app.session_interface = VerifiedOnce()
    app.before_request(refuse_cross_site_writes)
    app.after_request(add_security_headers)
    mask_secret_links_in_logs(app)


def lower_cased(headers):
    return [(name.lower(), name, value) for name, value in headers.items()]


def refuse_cross_site_writes():
    """CSRF protection without tokens, for forms and JSON alike.

    Browsers say where a request came from (Sec-Fetch-Site, or Origin in older
    ones); a state change is refused unless it came from this origin. Requests
    with neither header come from non-browser clients, which carry no ambient
    cookies to abuse. Same approach as Datasette and Go's CrossOriginProtection.
    """
    if request.method not in UNSAFE_METHODS or bearer_without_cookies():
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


def bearer_without_cookies():
    """A script's /api/v1 call with a token and no session cookie: it carries nothing ambient to abuse
    (a forged cross-site request cannot add an Authorization header), so its origin does not matter.
    With a session cookie as well it is checked like any browser request."""
    config = current_app.config
    return (request.path.startswith("/api/v1/")
            and request.headers.get("Authorization", "").lower().startswith("bearer ")
            and config["SESSION_COOKIE_NAME"] not in request.cookies
            and config["REMEMBER_COOKIE_NAME"] not in request.cookies)


def same_origin(origin):
    if origin == "null":
        return False
    parts = urlsplit(origin)
    return (parts.scheme, parts.netloc) == (request.scheme, request.host)


def tag_page(response):
    """Give a page an ETag over its bytes and the security headers it is sent with; its 304 then leaves them out.

    A 304 only refreshes a response the browser holds: headers it leaves out stay as stored (RFC 9111, 4.3.4).
    With the headers in the ETag, a 304 means the stored ones are the ones the page would be sent with now, so
    it need not carry them again (nor HSTS, which a browser keeps from any page): a page's five are 484 bytes,
    paid in the capture screen's first load, whose worker fetches the page again to keep it offline (issue 11).
    Weak: the same page, compressed or not.
    """
    digest = hashlib.sha256(response.get_data())
    digest.update(repr(current_app.extensions[HEADER_LIST]).encode())
    response.set_etag(digest.hexdigest()[:40], weak=True)
    response.headers_in_etag = True


def add_security_headers(response):
    if response.status_code == 304 and getattr(response, "headers_in_etag", False):
        return response  # tag_page: the browser holds them, unchanged
    # Added in one extend, none of them there yet: Headers.setdefault walks every header per name, and each
    # `headers[name] =` walks them again to drop a copy that is not there (issue 11, sessions 6 and 8).
    headers = response.headers
    present = {name.lower() for name in headers.keys()}
    wanted = current_app.extensions[DATA_HEADER_LIST if is_data(response) else
                                    WORKER_HEADER_LIST if response.mimetype == "text/javascript" else HEADER_LIST]
    added = [(name, value) for lower, name, value in wanted if lower not in present]
    if request.is_secure and "strict-transport-security" not in present:
        added.append(("Strict-Transport-Security", HSTS))
    # Pages name participants and the API carries notes: never keep them in shared caches.
    if "cache-control" not in present and (request.path.startswith("/api/") or response.mimetype == "text/html"):
        added.append(("Cache-Control", "no-store"))
    headers.extend(added)
    return response


def is_data(response):
    """JSON (the API's answers, errors included, and the manifest): data a browser only shows as text."""
    mimetype = response.mimetype
    return mimetype == "application/json" or mimetype.endswith("+json")


# A static file is never a page. A browser runs a script of static/ only as a module or worker of ours (the
# page's or worker's policy governs it: a module's own headers are ignored) and shows the rest as an image or
# as text. So a static file's own policy need only forbid everything, should someone open it by its address:
# nothing loads, nothing runs, nothing frames it (frame-ancestors does what X-Frame-Options did; a
# Permissions-Policy means nothing without a page). ~130 bytes of them a file, not ~560: over HTTP/1.1 those were a
# third of the capture screen's first load, its 48 modules each carrying a page's headers (issue 11).
STATIC_FILE = {
    "Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}
# A stylesheet's own fetches (its url()s) follow its Referrer-Policy. A module's imports follow its importer's
# when it has none, and so the page's, which is this; a worker's is a page's answer (pwa.py); an image fetches
# nothing. So the 30 bytes go on stylesheets only, not on the capture screen's 38 modules and 2 icons.
STYLESHEET = {**STATIC_FILE, "Referrer-Policy": "same-origin"}


# JSON is never a page either: opened by its address, a browser shows it as text. It gets a static file's policy
# (nothing loads, runs or frames), not a page's: the page's policy, X-Frame-Options and Permissions-Policy were
# ~420 bytes of every API answer a phone downloads, two of them and the manifest in the capture screen's first load.
# Referrer-Policy stays, as on every route (an API answer makes no request of its own; it costs 30 bytes).
NOT_A_PAGE = {
    "Content-Security-Policy": STATIC_FILE["Content-Security-Policy"],
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


# ASVS V4.1.1: a text answer names its charset. WhiteNoise's is quoted (`charset="utf-8"`), two bytes more than
# Flask's on each of the capture screen's 48 modules: the same, as Flask writes it.
TEXT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}


# The only scripts Flask answers are the service workers (pwa.py), and a worker is no page: its script's policy
# governs what the worker itself fetches and imports, all of it ours ('self'), and nothing frames it or shows it.
# A page's policy (its import map's hash, styles, images, forms), X-Frame-Options and Permissions-Policy (both
# for documents only) were ~380 bytes of each worker's answer in the capture screen's first load (issue 11).
# frame-ancestors stays, as on every response (ASVS V3.4.6); Referrer-Policy governs the worker's own requests.
WORKER_SCRIPT = {
    "Content-Security-Policy": "default-src 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def add_static_headers(headers, path, url):
    """WhiteNoise answers static files before Flask sees them: give them STATIC_FILE (STYLESHEET).

    And take away the `Access-Control-Allow-Origin: *` WhiteNoise adds: no other site needs
    to read our files. (HSTS is left to the pages: WhiteNoise sets these once per file,
    not per request, so it cannot tell HTTPS from HTTP; browsers keep HSTS from any page.)
    """
    for name, value in (STYLESHEET if path.endswith(".css") else STATIC_FILE).items():
        headers[name] = value
    suffix = path[path.rfind("."):]
    if suffix in TEXT_TYPES:
        headers["Content-Type"] = TEXT_TYPES[suffix]
    del headers["Access-Control-Allow-Origin"]


# Logs: a token in a share or invite link is cut short wherever a log line would hold it

def mask_secret_links(text):
    """Cut secret link tokens short ('/share/AbCdEf...' becomes '/share/AbCd***'), wherever in `text`."""
    return BARE_TOKEN.sub(r"\1\2***", SECRET_LINK.sub(r"\1\2***", text))


class MaskSecretLinks(logging.Filter):
    """Rewrites a record's message (and its traceback) with secret link tokens cut short."""

    def filter(self, record):
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.msg, record.args = mask_secret_links(record.getMessage()), None
        if record.exc_text:
            record.exc_text = mask_secret_links(record.exc_text)
        return True


def mask_secret_links_in_logs(app):
    """The app's own log (Flask logs the path of a request that failed) and the development server's."""
    for logger in (app.logger, logging.getLogger("werkzeug")):
        if not any(isinstance(f, MaskSecretLinks) for f in logger.filters):
            logger.addFilter(MaskSecretLinks())
