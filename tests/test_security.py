"""Cross-site requests, security headers, the one error shape, and hostile input.

(No state change on GET is checked route by route in test_permissions.py.)
"""
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from fieldnotes import create_app
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Study, Tag
from tests.conftest import TEST_CONFIG, AuthActions
from tests.factories import make_study, make_user, note_mutation

ERROR_KEYS = {"code", "message", "description"}


def count(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


@pytest.fixture
def study_id(app, auth):
    """Ana owns a study (Vic views it; Eve is in none) and is signed in."""
    with app.app_context():
        make_user("eve@example.org")
        study = make_study(make_user("ana@example.org"), viewer=make_user("vic@example.org"))
        study_id = study.id
    auth.login()
    return study_id


def push_body(study_id):
    return {"device_id": str(uuid.uuid4()), "mutations": [note_mutation(study_id)]}


# CSRF: a state change must come from this site

CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another site's code
    {"Origin": "https://evil.example"},
    {"Origin": "http://localhost.evil.example"},
    {"Origin": "https://localhost"},  # another scheme is another origin
    {"Origin": "null"},               # sandboxed frames and some redirects
    {"Sec-Fetch-Site": "cross-site", "Origin": "http://localhost"},
]
SAME_SITE = [{}, {"Sec-Fetch-Site": "same-origin"}, {"Origin": "http://localhost"},
             {"Sec-Fetch-Site": "none"}]  # typed by the user; a form cannot be sent that way


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_a_cross_site_form_post_changes_nothing(app, client, study_id, headers):
    response = client.post("/studies/new", data={"name": "Planted", "audience": "customer"}, headers=headers)
    assert response.status_code == 403
    assert "Cross-site request refused." in response.text
    response = client.post(f"/studies/{study_id}/tags", data={"name": "planted"}, headers=headers)
    assert response.status_code == 403
    assert count(app, Study) == 1 and count(app, Tag) == 0


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_a_cross_site_json_post_changes_nothing(app, client, study_id, headers):
    response = client.post("/api/sync/push", json=push_body(study_id), headers=headers)
    assert response.status_code == 403
    assert response.json == {"code": 403, "message": "Forbidden", "description": "Cross-site request refused."}
    assert count(app, Observation) == 0


def test_a_cross_site_sign_out_does_not_sign_out(app, client, study_id):
    assert client.post("/logout", headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    assert client.get("/").status_code == 200


@pytest.mark.parametrize("headers", SAME_SITE)
def test_same_origin_posts_pass(app, client, study_id, headers):
    response = client.post("/studies/new", data={"name": "Mine", "audience": "customer"}, headers=headers)
    assert response.status_code == 303
    response = client.post("/api/sync/push", json=push_body(study_id), headers=headers)
    assert response.status_code == 200 and response.json["results"][0]["status"] == "applied"
    assert count(app, Study) == 2 and count(app, Observation) == 1


# Headers on every kind of response

def policy(response):
    directives = [d.strip().split() for d in response.headers["Content-Security-Policy"].split(";")]
    return {d[0]: d[1:] for d in directives if d}


HEADER_CASES = [  # (url, signed in, status, kind)
    ("/login", False, 200, "text/html"),
    ("/", False, 302, "text/html"),
    ("/studies/{study}", True, 200, "text/html"),
    ("/studies/{missing}", True, 404, "text/html"),
    ("/api/studies/{study}/context", True, 200, "application/json"),
    ("/api/sync/pull?study_id={study}", False, 401, "application/json"),
    ("/api/no-such-thing", False, 404, "application/json"),
]


@pytest.mark.parametrize("url, signed_in, status, kind", HEADER_CASES)
def test_security_headers(app, client, study_id, url, signed_in, status, kind):
    if not signed_in:
        client.post("/logout")
    response = client.get(url.format(study=study_id, missing=study_id + 1))
    assert (response.status_code, response.mimetype) == (status, kind)
    csp = policy(response)
    if kind == "text/html":
        assert csp["script-src"] == ["'self'", app.extensions["fieldnotes.assets"].import_map_hash]  # no other inline
        assert csp["object-src"] == ["'none'"] and csp["base-uri"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'none'"]
        assert response.headers["X-Frame-Options"] == "DENY"
        assert not any("'unsafe-inline'" in v or "'unsafe-eval'" in v for v in csp.values())
    else:  # JSON is never a page: opened by its address, nothing in it loads, runs or frames
        assert csp == {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}
        assert "X-Frame-Options" not in response.headers and "Permissions-Policy" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in {"same-origin", "no-referrer", "strict-origin"}
    assert response.headers["Cache-Control"] == "no-store"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: only on HTTPS


@pytest.mark.parametrize("path", ["css/app.css", "js/app.js", "icons/icon-192.png", "sw-sync.js"])
def test_static_files_forbid_everything_should_one_be_opened_as_a_page(app, client, path):
    """WhiteNoise answers them before Flask does; they must not be the gap in the policy.

    A module's own CSP is ignored (the page's governs it), so each file carries the strictest: opened by its
    address, nothing in it loads, runs or frames."""
    with client.get(f"/static/{path}") as response:
        assert response.status_code == 200
        assert policy(response) == {"default-src": ["'none'"], "frame-ancestors": ["'none'"]}
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        # ASVS V4.1.1, as Flask writes it (WhiteNoise quotes the charset: two bytes more on each of 48 modules)
        assert response.headers["Content-Type"] == {".css": "text/css; charset=utf-8", ".png": "image/png",
                                                    ".js": "text/javascript; charset=utf-8"}[Path(path).suffix]
        # A stylesheet's url()s follow its own Referrer-Policy; a module's imports follow the page's
        assert response.headers.get("Referrer-Policy") == ("same-origin" if path.endswith(".css") else None)
        assert "Access-Control-Allow-Origin" not in response.headers  # no other site reads our files


@pytest.mark.parametrize("path", ["/sw.js", "/sw-sync.js"])
def test_a_worker_script_gets_a_workers_policy_not_a_pages(client, path):
    """Its policy governs what the worker fetches and imports, all of it ours; nothing frames or shows it. The
    capture screen's browser tests run the workers under it (offline, sync, the shell kept)."""
    response = client.get(path)
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert policy(response) == {"default-src": ["'self'"], "frame-ancestors": ["'none'"]}
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "X-Frame-Options" not in response.headers and "Permissions-Policy" not in response.headers


# The one error shape

def as_member(client, email):
    client.post("/logout")
    AuthActions(client).login(email)


ERRORS = {
    401: lambda client, s: (client.post("/logout"), client.get("/api/sync/pull?study_id=1"))[1],
    403: lambda client, s: (as_member(client, "vic@example.org"), client.get(f"/api/studies/{s}/context"))[1],
    404: lambda client, s: (as_member(client, "eve@example.org"), client.get(f"/api/studies/{s}/context"))[1],
    405: lambda client, s: client.get("/api/sync/push"),
    413: lambda client, s: client.post("/api/sync/push", data=b"{" + b" " * (8 * 1024 * 1024) + b"}",
                                       content_type="application/json"),
    422: lambda client, s: client.post("/api/sync/push", json={"device_id": "not-a-uuid", "mutations": []}),
}


@pytest.mark.parametrize("status", sorted(ERRORS))
def test_api_errors_have_one_shape(app, client, study_id, status):
    response = ERRORS[status](client, study_id)
    assert response.status_code == status
    assert response.mimetype == "application/json"
    body = response.json
    assert ERROR_KEYS <= set(body) <= ERROR_KEYS | {"errors"}
    assert body["code"] == status and body["message"] and body["description"]
    if status == 405:
        assert "POST" in response.headers["Allow"]
    if status == 422:
        assert body["errors"]


def test_html_errors_render_a_page(app, client, study_id):
    response = client.get("/logout")
    assert response.status_code == 405 and set(response.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}
    assert response.mimetype == "text/html" and "<h1>Method Not Allowed</h1>" in response.text
    response = client.get(f"/studies/{study_id + 1}")
    assert response.status_code == 404 and "<h1>Not Found</h1>" in response.text
    assert "Back to your studies" in response.text and '<a class="skip-link"' in response.text


def test_pages_say_503_while_the_database_is_down(app, client, study_id):
    """Not a bare server 500: the error page itself must not need the database."""
    name = app.config["SESSION_COOKIE_NAME"]
    down = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/none"})
    try:
        browser = down.test_client()
        browser.set_cookie(name, client.get_cookie(name).value)  # signed in: the page would list their studies
        for url, kind in [("/", "text/html"), (f"/studies/{study_id}", "text/html"),
                          (f"/api/studies/{study_id}/context", "application/json")]:
            response = browser.get(url)
            assert (response.status_code, response.mimetype) == (503, kind)
            assert response.headers["Retry-After"].isdigit()
            forbids = "script-src 'self'" if kind == "text/html" else "default-src 'none'"  # a page's, or JSON's
            assert forbids in response.headers["Content-Security-Policy"]
        assert "Service Unavailable" in browser.get("/").text
    finally:
        with down.app_context():
            db.engine.dispose()


def test_an_oversized_form_is_413_and_writes_nothing(app, client, study_id):
    response = client.post("/studies/new", data={"name": "Big", "audience": "customer",
                                                 "goal": "x" * (9 * 1024 * 1024)})
    assert response.status_code == 413 and "<h1>Request Entity Too Large</h1>" in response.text
    assert count(app, Study) == 1


@pytest.mark.parametrize("url", [
    "/studies/99999999999999999999", "/studies/2147483648", "/studies/0", "/studies/-1",
    "/studies/1e3", "/studies/99999999999999999999/members/1",
    "/studies/1/touchpoints/99999999999999999999",
    "/api/studies/99999999999999999999/context", "/api/sync/pull?study_id=99999999999999999999",
])
def test_huge_or_odd_ids_are_not_found_not_500(app, client, study_id, url):
    response = client.post(url) if "/members/" in url or "/touchpoints/" in url else client.get(url)
    assert response.status_code in {400, 404}
    if url.startswith("/api/"):
        assert response.json["code"] == response.status_code


# Hostile and international text

@pytest.mark.parametrize("name, code", [
    ("Renewals\x00", "U+0000"), ("Renewals \u202egnp.exe", "U+202E"), ("a\u2066b", "U+2066"),
    ("bell\x07", "U+0007"),
])
def test_control_characters_in_a_study_name_are_refused(app, client, study_id, name, code):
    response = client.post("/studies/new", data={"name": name, "audience": "customer"})
    assert response.status_code == 422
    assert f"Contains characters that are not allowed: {code}." in response.text
    response = client.post(f"/studies/{study_id}/edit", data={"name": name, "status": "planning"})
    assert response.status_code == 422 and code in response.text
    response = client.post(f"/studies/{study_id}/tags", data={"name": name})
    assert response.status_code == 422 and code in response.text
    with app.app_context():
        assert db.session.scalars(select(Study.name)).all() == ["Onboarding at mid-size accounts"]
    assert count(app, Tag) == 0


HOSTILE = "<script>alert(1)</script> 🧭 Überprüfung"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt; 🧭 Überprüfung"


@pytest.mark.parametrize("name", [HOSTILE, "Исследование 調査 دراسة 👩🏽‍🔬", "Üb\u0065\u0301r decomposed"])
def test_any_script_and_emoji_are_stored_losslessly(app, client, study_id, name):
    response = client.post("/studies/new", data={"name": name, "audience": "customer"})
    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(Study.name).where(Study.id != study_id)) == name


def test_names_are_escaped_on_output(app, client, study_id):
    location = client.post("/studies/new", data={"name": HOSTILE, "audience": "customer"}).headers["Location"]
    client.post(f"/studies/{study_id}/tags", data={"name": "<b>bold</b>"})
    for url in (location, "/", location + "/edit", f"/studies/{study_id}/tags"):
        page = client.get(url).text
        assert "<script>alert(1)" not in page and "<b>bold" not in page
    assert ESCAPED in client.get(location).text  # the heading, the navigation, the flash message
    assert client.get(location).text.count(ESCAPED) >= 2
    assert "&lt;b&gt;bold&lt;/b&gt;" in client.get(f"/studies/{study_id}/tags").text


# No log holds a whole secret link token (share links, invites)

SHARE_TOKEN = "Kq7vXw2ZpL9mN4rT8bY1cD6fG3hJ5kS0aE-uI_oQxWz"  # as secrets.token_urlsafe(32) makes them
INVITE_TOKEN = "Pz3_Lm8Qr2Vt6Xy0Bc4Df7Gh1Jk5Mn9Sw-Ue2Io4Ay"
ROOT = Path(__file__).resolve().parent.parent


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serving(port, server):
    """Wait until gunicorn answers on `port` (or has stopped, which fails the test)."""
    while server.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return True
        except OSError:
            time.sleep(0.1)
    return False


def test_gunicorns_access_log_cuts_share_and_invite_tokens_short(tmp_path):
    """The README's gunicorn command, with the project's config, serving a real request."""
    database = f"sqlite:///{tmp_path / 'fieldnotes.sqlite'}"
    made = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database})
    with made.app_context():
        db.create_all()
        db.engine.dispose()
    port, log = free_port(), tmp_path / "gunicorn.log"
    env = {**os.environ, "FIELDNOTES_DATABASE_URL": database, "FIELDNOTES_SECRET_KEY": "k" * 48,
           "FIELDNOTES_MEDIA_ROOT": str(tmp_path / "media")}
    with open(log, "wb") as output:
        server = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "--workers", "1",
             "--bind", f"127.0.0.1:{port}", "wsgi:app"], cwd=ROOT, env=env, stdout=output, stderr=output)
    try:
        assert serving(port, server), log.read_text()
        base = f"http://127.0.0.1:{port}"
        for path, referer in [(f"/share/{SHARE_TOKEN}/present", f"{base}/share/{SHARE_TOKEN}"),
                              (f"/invite/{INVITE_TOKEN}", f"{base}/invite/{INVITE_TOKEN}"),
                              ("/static/css/app.css", f"https://fieldnotes.example/share/{SHARE_TOKEN}")]:
            try:
                urllib.request.urlopen(urllib.request.Request(base + path, headers={"Referer": referer})).close()
            except urllib.error.HTTPError as error:  # an unknown link is 404, and logged all the same
                error.close()
    finally:
        server.terminate()
        server.wait(30)
    text = log.read_text()
    assert text.count('"GET /share/Kq7v***/present HTTP/1.1" 404') == 1
    assert text.count('"GET /invite/Pz3_*** HTTP/1.1" 404') == 1
    assert text.count("/share/Kq7v***") == 3 and text.count("/invite/Pz3_***") == 2  # request lines and Referers
    assert SHARE_TOKEN[:8] not in text and INVITE_TOKEN[:8] not in text


def test_the_apps_own_log_cuts_tokens_short_even_in_a_traceback(app, caplog):
    @app.get("/share/<token>/crash")
    def crash(token):
        raise RuntimeError(f"no board for {token}")

    app.config["PROPAGATE_EXCEPTIONS"] = False  # as in production: Flask logs the failure and answers 500
    with caplog.at_level(logging.ERROR):
        assert app.test_client().get(f"/share/{SHARE_TOKEN}/crash").status_code == 500
    logged = "\n".join(caplog.messages + [r.exc_text or "" for r in caplog.records])
    assert "Exception on /share/Kq7v***/crash [GET]" in logged and "no board for" in logged
    assert SHARE_TOKEN[:8] not in logged


def test_the_development_servers_request_log_cuts_tokens_short(app, caplog):
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info('%s - - [%s] "%s" %s -', "127.0.0.1", "now",
                                           f"GET /invite/{INVITE_TOKEN} HTTP/1.1", 200)
    assert '"GET /invite/Pz3_*** HTTP/1.1" 200' in caplog.text and INVITE_TOKEN[:8] not in caplog.text
