"""OWASP ASVS 5.0 level 2 requirements that no other test checked (docs/security.md lists them all).

Each test names the requirement it checks and is written to fail if that property
were lost. Sign-in throttling, bad input, erasure and consent, backups, static
file headers and the phone's outbox have their own engineers' tests; none here.
"""
import hashlib
import io
import json
import logging
import re
import uuid
from html.parser import HTMLParser
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import func, select

from fieldnotes import create_app
from fieldnotes.auth.models import Invite, LoginSession, User
from fieldnotes.config import Config
from fieldnotes.demo import data as demo
from fieldnotes.extensions import db
from fieldnotes.observations.models import Observation
from fieldnotes.studies.models import Study
from tests.conftest import TEST_CONFIG, AuthActions
from tests.factories import PASSWORD, make_observation, make_study, make_user, note_mutation
from tests.permission_matrix import MATRIX
from tests.test_permissions import build_world

ROOT = Path(__file__).resolve().parent.parent
DEVICE = "5b0e6a44-3c51-4f0e-9a53-0c2f3b1d7e11"


@pytest.fixture
def study_id(app, auth):
    """Ana owns a study and is signed in; Bo owns another she is not in."""
    with app.app_context():
        study_id = make_study(make_user("ana@example.org", name="Ana")).id
        make_study(make_user("bo@example.org", name="Bo"), name="Bo's study")
    auth.login()
    return study_id


def push(client, *mutations):
    response = client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": list(mutations)})
    assert response.status_code == 200, response.text
    return response.json["results"]


# V3.4.1: HSTS for a year, subdomains included (L2)

def test_https_answers_keep_browsers_on_https_for_a_year_with_subdomains(app, client):
    response = client.get("/login", base_url="https://notes.example.org")
    hsts = response.headers["Strict-Transport-Security"]
    max_age = int(re.search(r"max-age=(\d+)", hsts).group(1))
    assert max_age >= 365 * 24 * 3600
    assert "includesubdomains" in hsts.lower()


# V3.4.2, V3.5.2: no other site may read answers with the user's cookies

@pytest.mark.parametrize("method, url", [
    ("GET", "/api/studies/{study}/context"), ("GET", "/api/sync/pull?study_id={study}"),
    ("GET", "/studies/{study}"), ("OPTIONS", "/api/sync/push"), ("OPTIONS", "/api/studies/{study}/context"),
])
def test_no_other_site_is_allowed_to_read_answers(app, client, study_id, method, url):
    response = client.open(url.format(study=study_id), method=method, headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert response.status_code < 500
    assert not [h for h in response.headers.keys() if h.lower().startswith("access-control-allow-")]


# V4.1.1: every text answer says what it is and its charset

@pytest.mark.parametrize("url, kind", [
    ("/login", "text/html"), ("/studies/{study}", "text/html"), ("/studies/{missing}", "text/html"),
    ("/offline", "text/html"), ("/sw.js", "text/javascript"),
    ("/api/studies/{study}/context", "application/json"), ("/api/no-such-thing", "application/json"),
])
def test_answers_say_their_type_and_text_says_utf8(app, client, study_id, url, kind):
    response = client.get(url.format(study=study_id, missing=study_id + 1000))
    assert response.mimetype == kind
    if kind.startswith("text/"):
        assert response.mimetype_params.get("charset", "").lower() == "utf-8"
    else:
        json.loads(response.get_data())  # JSON is UTF-8 by definition (RFC 8259): it must parse as such


# V6.2.5, V6.2.8, V6.2.9: any characters, at least 64 of them, checked exactly as typed

NEW_PASSWORDS = [
    # (password, a near miss that must not work)
    ("every word lower case no digits", "Every word lower case no digits"),
    ("93518 20476 11839 55702", "93518 20476 11839 55702 "),
    ("kōrero ngā maunga 🏔 whakarongo", "korero nga maunga 🏔 whakarongo"),
    ("long passphrase of many plain words typed on a phone keyboard " * 2 + "end.",  # 128 characters
     "long passphrase of many plain words typed on a phone keyboard " * 2),
]


@pytest.mark.parametrize("password, near_miss", NEW_PASSWORDS)
def test_a_password_of_any_composition_is_kept_exactly_as_typed(app, client, auth, password, near_miss):
    with app.app_context():
        make_user("ana@example.org")
    auth.login()
    response = client.post("/account", data={"current": PASSWORD, "password": password, "confirm": password})
    assert response.status_code == 303, response.text
    auth.logout()
    assert auth.login(password=near_miss).status_code == 422
    assert auth.login(password=password).status_code == 303


# V6.2.6, V6.2.7: password fields are masked and open to password managers and paste

class Inputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.inputs = []

    def handle_starttag(self, tag, attrs):
        if tag == "input":
            self.inputs.append(dict(attrs))


def password_inputs(html):
    parser = Inputs()
    parser.feed(html)
    return [i for i in parser.inputs if i.get("name") in {"password", "current", "confirm"}]


def test_password_fields_are_masked_and_welcome_password_managers(app, client, auth):
    with app.app_context():
        owner = make_user("ana@example.org")
        study_id = make_study(owner).id
    auth.login()
    invite_page = client.post(f"/studies/{study_id}/members", data={"email": "new@example.org", "role": "viewer"})
    invite = re.search(r'value="http://localhost(/invite/[^"]+)"', invite_page.text).group(1)
    pages = {"/account": client.get("/account").text}
    auth.logout()
    pages["/login"] = client.get("/login").text
    pages["invite"] = client.get(invite).text
    for page, html in pages.items():
        fields = password_inputs(html)
        assert fields, page
        for field in fields:
            assert field.get("type") == "password", (page, field)
            assert field.get("autocomplete") in {"current-password", "new-password"}, (page, field)
            assert not {"onpaste", "oncopy", "readonly"} & set(field), (page, field)


# V6.3.2: no default accounts

def test_a_new_installation_has_no_accounts_and_the_demo_logins_do_not_work(app, client, auth):
    assert client.get("/login").status_code == 200
    for account in demo.ACCOUNTS.values():
        assert auth.login(account["email"], demo.PASSWORD).status_code == 422
    for email in ("admin@example.org", "admin", "root"):
        assert auth.login(email, "admin").status_code == 422
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == 0


# V7.2.3, V11.5.1, V6.4.1: session and invite tokens are 128+ random bits, kept only as hashes

def session_token(client):
    with client.session_transaction() as session:
        return session["_user_id"]


def test_session_and_invite_tokens_are_long_random_and_stored_only_hashed(app, client, auth):
    with app.app_context():
        study_id = make_study(make_user("ana@example.org")).id
    ended = []
    for _ in range(5):
        auth.login()
        ended.append(session_token(client))
        auth.logout()
    auth.login()
    current = session_token(client)
    page = client.post(f"/studies/{study_id}/members", data={"email": "new@example.org", "role": "viewer"})
    invite = re.search(r'/invite/([^"]+)"', page.text).group(1)
    tokens = [*ended, current, invite]
    assert len(set(tokens)) == len(tokens)
    for token in tokens:
        assert re.fullmatch(r"[A-Za-z0-9_-]{43,}", token), token  # secrets.token_urlsafe(32): 256 bits
    with app.app_context():
        rows = [db.session.execute(select(table)).all() for table in (LoginSession.__table__, Invite.__table__)]
        hashes = {*db.session.scalars(select(LoginSession.token_hash)), *db.session.scalars(select(Invite.token_hash))}
    assert not [token for token in tokens if token in repr(rows)]
    assert {hashlib.sha256(t.encode()).hexdigest() for t in (current, invite)} <= hashes


# V7.4.4: every page behind sign-in has a visible way to sign out

# Files, not pages: a photo, the exports' downloads, and JSON for a page's script.
NOT_PAGES = {"observations.media_file", "exports.download", "exports.qdpx", "exports.qdc", "exports.archive",
             "transcripts.recording_state", "transcripts.recording_audio",  # JSON, and a recording's file
             "fieldkit.brief_file", "fieldkit.sessions_file",  # the visit kit's downloads (issue 15)
             "explore.browse_counts"}  # JSON: a browse page's counts, for its script


def signed_in_pages():
    """GET routes the owner sees as a 200 HTML page (from the permission matrix)."""
    for endpoint, requests in MATRIX.items():
        for request in requests:
            if request["method"] == "GET" and request["expect"]["owner"] == 200 and endpoint not in NOT_PAGES \
                    and request["expect"]["anonymous"] != 200 and not request["url"].startswith("/api/"):
                yield pytest.param(request["url"], id=endpoint)


@pytest.mark.parametrize("url", list(signed_in_pages()))
def test_every_signed_in_page_has_a_sign_out_button(app, client, url):
    world = build_world(app)
    assert AuthActions(client).login("owner@example.org").status_code == 303
    response = client.get(url.format(**world))
    assert response.status_code == 200 and response.mimetype == "text/html"
    form = re.search(r'<form method="post" action="/logout"[^>]*>(.*?)</form>', response.text, re.S)
    assert form and re.search(r"<button[^>]*>\s*Sign out\s*</button>", form.group(1))


# V11.4.2: passwords are stored with a slow, salted key-derivation function

def test_passwords_are_stored_with_scrypt_salted(app):
    app.config["PASSWORD_HASH_METHOD"] = Config.PASSWORD_HASH_METHOD  # what production uses (tests use a cheap one)
    runner = app.test_cli_runner()
    for email in ("ana@example.org", "bo@example.org"):
        result = runner.invoke(args=["create-user", email, "--name", "A", "--password", PASSWORD])
        assert result.exit_code == 0, result.output
    with app.app_context():
        hashes = db.session.scalars(select(User.password_hash)).all()
    for stored in hashes:
        method, salt, _ = stored.split("$")
        assert method.startswith("scrypt:") and int(method.split(":")[1]) >= 2 ** 15
        assert PASSWORD not in stored and len(salt) >= 16
    assert hashes[0] != hashes[1]  # salted: the same password, two hashes


# V13.4.1, V13.4.3: no source, settings or folder listings over HTTP

@pytest.mark.parametrize("url", [
    "/.git/config", "/.git/HEAD", "/wsgi.py", "/pyproject.toml", "/instance/secret_key", "/fieldnotes/config.py",
    "/static/../wsgi.py", "/static/%2e%2e/wsgi.py", "/static/..%2fwsgi.py", "/static/", "/static/js/",
    "/static/js/../../fieldnotes/config.py", "/migrations/env.py",
])
def test_source_files_settings_and_folder_listings_are_not_served(app, client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "SECRET_KEY" not in response.text and "[core]" not in response.text and "<li><a href=" not in response.text


# V13.4.4: TRACE is not supported, so it cannot echo cookies or headers back

@pytest.mark.parametrize("url", ["/", "/login", "/api/sync/push", "/studies/1"])
def test_trace_is_refused_and_echoes_nothing(app, client, study_id, url):
    response = client.open(url, method="TRACE", headers={"X-Probe": "echo-me-4711"})
    assert response.status_code == 405
    assert "echo-me-4711" not in response.text and "session=" not in response.text


# V13.4.2, V16.5.1, V16.3.4: in production an unexpected error gets a generic answer and is logged

def test_an_unexpected_error_shows_a_generic_answer_and_is_logged(database_url, tmp_path, caplog):
    app = create_app({"ENV": "production", "SECRET_KEY": "k" * 48, "SQLALCHEMY_DATABASE_URI": database_url,
                      "SECURE_COOKIES": False, "INSTANCE_PATH": str(tmp_path)})

    def crash():
        raise RuntimeError("connection to db-internal-7 failed: password hunter2")

    app.add_url_rule("/crash", "crash", crash)
    app.add_url_rule("/api/crash", "api_crash", crash)
    assert not app.debug and not app.testing
    client = app.test_client()
    with caplog.at_level(logging.ERROR):
        page, api = client.get("/crash"), client.get("/api/crash")
    assert (page.status_code, page.mimetype) == (500, "text/html")
    assert (api.status_code, api.json["code"]) == (500, 500)
    for response in (page, api):
        for secret in ("hunter2", "db-internal-7", "RuntimeError", "Traceback", 'File "'):
            assert secret not in response.text
    logged = "\n".join(r.getMessage() + (str(r.exc_info[1]) if r.exc_info else "") for r in caplog.records)
    assert "hunter2" in logged and "/api/crash" in logged  # the details go to the log, not to the user
    with app.app_context():
        db.engine.dispose()


# V15.3.7: a parameter sent twice cannot pass the check with one value and be used with the other

def test_a_repeated_study_id_cannot_reach_another_study(app, client, study_id):
    with app.app_context():
        theirs = db.session.scalar(select(Study).where(Study.name == "Bo's study"))
        make_observation(theirs, db.session.scalar(User.by_email("bo@example.org")), text="Bo's private note")
        make_observation(db.session.get(Study, study_id), db.session.scalar(User.by_email("ana@example.org")),
                         text="Ana's own note")
        their_id = theirs.id
    for query in (f"study_id={their_id}&study_id={study_id}", f"study_id={study_id}&study_id={their_id}"):
        response = client.get(f"/api/sync/pull?{query}")
        assert "Bo's private note" not in response.text
        assert response.status_code in {200, 404}
        if response.status_code == 200:
            assert [c["data"]["text"] for c in response.json["changes"]] == ["Ana's own note"]


# V15.3.1: an answer carries what the caller needs, not whole rows (no emails, hashes or tokens)

def test_api_answers_carry_no_email_password_hash_or_token(app, client, study_id):
    with app.app_context():
        note = make_observation(db.session.get(Study, study_id), db.session.scalar(User.by_email("ana@example.org")))
        note_id = note.id
        secrets = [*db.session.scalars(select(User.password_hash)), *db.session.scalars(select(LoginSession.token_hash))]
    answers = [client.get(f"/api/sync/pull?study_id={study_id}"), client.get(f"/api/studies/{study_id}/context"),
               client.get(f"/api/studies/{study_id}/observations/{note_id}"),
               client.get(f"/api/studies/{study_id}/insights"),
               client.post("/api/sync/push", json={"device_id": DEVICE, "mutations": [note_mutation(study_id)]})]
    for response in answers:
        assert response.status_code == 200, response.text
        body = response.get_data(as_text=True)
        assert "@example.org" not in body and "password" not in body
        assert not [secret for secret in secrets if secret in body]


# V1.2.3, V1.2.4: text that looks like SQL or JSON is stored, searched and sent back as data

HOSTILE_TEXT = "Robert'); DROP TABLE observation;-- \" OR 1=1 -- \"}]} </script> \u2028 ok"


def test_text_that_looks_like_sql_or_json_stays_data(app, client, study_id):
    mutation = note_mutation(study_id, text=HOSTILE_TEXT, tags=["x' OR '1'='1"])
    assert push(client, mutation)[0]["status"] == "applied"
    plain = note_mutation(study_id, text="Prints every invoice twice.")
    assert push(client, plain)[0]["status"] == "applied"
    pulled = client.get(f"/api/sync/pull?study_id={study_id}")
    texts = {c["id"]: c["data"] for c in json.loads(pulled.get_data(as_text=True))["changes"]}
    assert texts[mutation["entity_id"]]["text"] == HOSTILE_TEXT
    assert texts[mutation["entity_id"]]["tags"] == ["x' OR '1'='1"]
    for q in ("' OR 1=1 --", "Robert'); DROP TABLE observation;--", '" OR ""="', "%' OR '%'='"):
        page = client.get(f"/studies/{study_id}/notes", query_string={"q": q})
        assert page.status_code == 200
        assert "Prints every invoice twice." not in page.text  # the condition was not turned into SQL
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Observation)) == 2


# V1.3.7, V1.3.10: template syntax typed by a user is shown, never run

@pytest.mark.parametrize("name", ["{{ 7*7 }} {{ config.SECRET_KEY }}", "{% for x in range(3) %}x{% endfor %}",
                                  "{0.__class__} %s %(x)s"])
def test_template_syntax_in_names_and_notes_is_shown_not_run(app, client, study_id, name):
    assert client.post("/studies/new", data={"name": name, "audience": "customer"}).status_code == 303
    push(client, note_mutation(study_id, text=name))
    with app.app_context():
        new_id = db.session.scalar(select(Study.id).where(Study.name == name))
    pages = [client.get(f"/studies/{new_id}").text, client.get(f"/studies/{study_id}/notes").text]
    escaped = name.replace("'", "&#39;").replace('"', "&#34;")
    for page in pages:
        assert escaped in page
        assert TEST_CONFIG["SECRET_KEY"] not in page and "xxx" not in page and "<class" not in page


# V3.2.1, V5.3.1: an uploaded file is served as the media type it was checked to be, never as a page

def noisy_jpeg():
    buffer = io.BytesIO()
    Image.effect_noise((64, 48), 80).convert("RGB").save(buffer, "JPEG")
    return buffer.getvalue()


def test_stored_media_is_served_as_its_checked_type_and_never_sniffed(app, client, study_id):
    photo = noisy_jpeg()
    item = {"id": str(uuid.uuid4()), "slot": "photo", "sha256": hashlib.sha256(photo).hexdigest(),
            "size": len(photo), "mime": "image/jpeg"}
    push(client, note_mutation(study_id, media=[item]))
    uploaded = client.patch(f"/api/media/{item['id']}", data=photo, headers={
        "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"})
    assert uploaded.status_code == 204
    with client.get(f"/media/{item['id']}") as served:
        assert served.status_code == 200 and served.mimetype == "image/jpeg"
        assert served.headers["X-Content-Type-Options"] == "nosniff"
        assert served.headers["Cross-Origin-Resource-Policy"] == "same-origin"
        assert "script-src 'self'" in served.headers["Content-Security-Policy"]


# V3.2.2, V1.3.2: the browser code writes text, not HTML, and never evaluates strings

SCRIPTS = sorted((ROOT / "static").rglob("*.js"))
NEVER = re.compile(r"\beval\s*\(|new\s+Function\s*\(|document\.write|insertAdjacentHTML|outerHTML\s*=|"
                   r"setTimeout\s*\(\s*[\"'`]|setInterval\s*\(\s*[\"'`]")
# The only innerHTML: fragments the app's own server rendered from its templates (autoescaped), swapped in whole:
# the affinity workspace, and the browse page's filters once counted.
INNER_HTML_ALLOWED = {("affinity.js", "root.innerHTML = await response.text();"),
                      ("browse-counts.js", "options.innerHTML = counts.options;")}


def test_browser_code_writes_text_not_html_and_evaluates_no_strings():
    assert SCRIPTS
    found = []
    for script in SCRIPTS:
        for number, line in enumerate(script.read_text().splitlines(), 1):
            if NEVER.search(line):
                found.append(f"{script.name}:{number}: {line.strip()}")
            if "innerHTML" in line and (script.name, line.strip()) not in INNER_HTML_ALLOWED:
                found.append(f"{script.name}:{number}: {line.strip()}")
    assert not found


# V14.2.3, V3.4.3: pages load nothing from other sites (no trackers, fonts or CDNs)

def test_pages_load_nothing_from_other_sites(app, client, study_id):
    signed_out = app.test_client()
    for browser, url in ((signed_out, "/login"), (signed_out, "/offline"), (client, f"/studies/{study_id}"),
                         (client, f"/studies/{study_id}/capture"), (client, f"/studies/{study_id}/notes")):
        response = browser.get(url)
        assert response.status_code == 200, url
        directives = dict(d.strip().split(" ", 1) for d in response.headers["Content-Security-Policy"].split(";"))
        for sources in directives.values():
            for source in sources.split():
                import_map = app.extensions["fieldnotes.assets"].import_map_hash  # the one inline script
                assert source in {"'self'", "'none'", "blob:", "data:", import_map}, (url, sources)
        assert not re.search(r'(src|href|action)="(https?:)?//(?!localhost)', response.text), url
