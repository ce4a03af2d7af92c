"""Personal access tokens: made on the account page and shown once, then a script's key to /api/v1.

The token acts as its owner (the same permission table decides), only in the Authorization header,
only under /api/v1, within its scopes and its rate, and never leaves a cookie behind.
"""
import itertools
import re
from datetime import timedelta

import pytest
from flask import jsonify
from flask_login import current_user, login_required
from sqlalchemy import select

from fieldnotes.auth import access_tokens
from fieldnotes.auth.models import PersonalAccessToken, User, utcnow
from fieldnotes.extensions import db
from fieldnotes.security import mask_secret_links
from fieldnotes.studies.permissions import require
from fieldnotes.tokens import token_digest
from tests.factories import make_study, make_user

TOKEN = re.compile(r"fn_pat_[A-Za-z0-9_-]{43}")
NUMBERS = itertools.count(1)


@pytest.fixture
def app(app):
    """The app with one throwaway write route on the api blueprint (the api's own routes are the
    "api" helper's): it needs a study's capture right, as a note-writing route would."""
    @login_required
    def capture_check(study_id):
        return jsonify(role=str(require(study_id, "capture").role), user=current_user.id)

    app.add_url_rule("/api/v1/test-studies/<int:study_id>/capture-check", endpoint="api.test_capture_check",
                     view_func=capture_check, methods=["POST"])
    return app


def new_token(app, email="ana@example.org", access="read", days=90, **user):
    """A token for the user with this email (made if missing); returns (token, row id)."""
    with app.app_context():
        owner = db.session.scalar(User.by_email(email)) or make_user(email, **user)
        row, token = access_tokens.create(owner, f"script {next(NUMBERS)}", access, days)
        db.session.commit()
        return token, row.id


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def token_row(app, token_id):
    with app.app_context():
        return db.session.get(PersonalAccessToken, token_id)


def test_a_new_token_is_shown_once_and_only_its_digest_is_kept(app, client, auth):
    with app.app_context():
        make_user("ana@example.org", name="Ana")
    auth.login()
    made = client.post("/account/tokens", data={"name": "weekly export", "access": "write", "days": "30"})
    assert made.status_code == 200
    token = TOKEN.search(made.text).group()
    assert "shown only once" in made.text

    page = client.get("/account")
    assert token not in page.text and "weekly export" in page.text and "never used" in page.text

    with app.app_context():
        row = db.session.scalar(select(PersonalAccessToken))
        assert row.token_hash == token_digest(token)
        assert token not in repr([getattr(row, c.key) for c in PersonalAccessToken.__table__.columns])
        assert row.scopes.split() == ["read", "write"]
        assert timedelta(days=29) < row.expires_at - utcnow() <= timedelta(days=30)

    again = client.post("/account/tokens", data={"name": "weekly export", "access": "read"})
    assert again.status_code == 422
    assert "already have a token named" in again.text and not TOKEN.search(again.text)


def test_the_form_refuses_a_missing_name_an_unknown_access_and_a_never_expiring_token(app, client, auth):
    with app.app_context():
        make_user("ana@example.org")
    auth.login()
    answer = client.post("/account/tokens", data={"name": " ", "access": "admin", "days": "100000"})
    assert answer.status_code == 422
    assert "This is required" in answer.text
    assert "Choose read only, or read and write." in answer.text
    assert "Choose 7, 30, 90 or 365 days." in answer.text
    with app.app_context():
        assert db.session.scalar(select(PersonalAccessToken)) is None


def test_revoking_on_the_account_page_stops_the_token_at_once(app, client, auth):
    token, token_id = new_token(app)
    _, others_id = new_token(app, "bo@example.org")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    auth.login()
    assert "last used" in client.get("/account").text

    revoked = client.post(f"/account/tokens/{token_id}/revoke", follow_redirects=True)
    assert "revoked: scripts using it are refused" in revoked.text
    assert client.post(f"/account/tokens/{others_id}/revoke").status_code == 404
    assert token_row(app, others_id).revoked_at is None

    refused = app.test_client().get("/api/v1/me", headers=bearer(token))
    assert refused.status_code == 401
    assert refused.json["description"] == "This token was revoked. Make a new one on your account page."


def test_a_token_acts_as_its_owner_without_a_session_or_a_cookie(app, client):
    token, token_id = new_token(app, name="Ana")
    answer = client.get("/api/v1/me", headers=bearer(token))
    assert answer.status_code == 200
    assert answer.json["email"] == "ana@example.org"
    assert answer.json["token"]["scopes"] == ["read"]
    assert "Set-Cookie" not in answer.headers
    assert client.get_cookie("session") is None
    first_use = token_row(app, token_id).last_used_at
    assert first_use is not None

    client.get("/api/v1/me", headers=bearer(token))  # within the minute: last used is not written again
    assert token_row(app, token_id).last_used_at == first_use


def test_the_same_permission_table_decides_for_a_token_as_for_its_owner(app, client):
    with app.app_context():
        owner, designer = make_user("ana@example.org"), make_user("dee@example.org")
        study_id = make_study(owner, designer=designer).id
    outsider, _ = new_token(app, "zed@example.org", access="write")
    designers, _ = new_token(app, "dee@example.org", access="write")
    owners_read_only, _ = new_token(app, "ana@example.org", access="read")
    owners, _ = new_token(app, "ana@example.org", access="write")
    url = f"/api/v1/test-studies/{study_id}/capture-check"

    assert client.post(url, headers=bearer(owners)).json == {"role": "owner", "user": 1}
    assert client.post(url, headers=bearer(designers)).status_code == 403  # designers may not capture
    assert client.post(url, headers=bearer(outsider)).status_code == 404
    read_only = client.post(url, headers=bearer(owners_read_only))
    assert read_only.status_code == 403
    assert read_only.json["description"].startswith("This token may only read.")


@pytest.mark.parametrize("problem", ["expired", "unknown", "malformed", "basic", "disabled"])
def test_a_token_that_does_not_work_gets_401_with_the_bearer_challenge(app, client, monkeypatch, problem):
    token, _ = new_token(app, days=7)
    header = {"expired": bearer(token), "unknown": bearer(token[:-4] + "AAAA"), "malformed": bearer("abc"),
              "basic": {"Authorization": "Basic YW5hOnNlY3JldA=="}, "disabled": bearer(token)}[problem]
    if problem == "expired":
        monkeypatch.setattr(access_tokens, "now", lambda: utcnow() + timedelta(days=7, seconds=1))
    if problem == "disabled":
        with app.app_context():
            db.session.scalar(User.by_email("ana@example.org")).is_active = False
            db.session.commit()

    answer = client.get("/api/v1/me", headers=header)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert set(answer.json) == {"code", "message", "description"}
    expected = {"expired": "This token expired on", "malformed": "Send a personal access token as",
                "basic": "Send a personal access token as"}.get(problem, "This token is not valid")
    assert answer.json["description"].startswith(expected)


def test_a_token_anywhere_but_the_api_header_is_not_accepted(app, client):
    token, _ = new_token(app)
    in_address = client.get(f"/api/v1/me?token={token}")
    assert in_address.status_code == 400
    assert "Send the token in the Authorization header" in in_address.json["description"]
    assert client.get(f"/api/v1/me?q={token}", headers=bearer(token)).status_code == 400

    assert client.get("/account", headers=bearer(token)).status_code == 302  # to the sign-in page
    client.set_cookie("token", token)
    no_token = client.get("/api/v1/me")
    assert no_token.status_code == 401
    assert no_token.headers["WWW-Authenticate"] == "Bearer"
    assert no_token.json["description"].startswith("Sign in, or send a personal access token")


def test_a_token_with_a_session_cookie_is_refused_and_cross_site_writes_still_need_the_origin(app, client, auth):
    with app.app_context():
        study_id = make_study(make_user("ana@example.org")).id
    token, _ = new_token(app, access="write")
    url = f"/api/v1/test-studies/{study_id}/capture-check"
    cross_site = {"Origin": "https://elsewhere.example", "Sec-Fetch-Site": "cross-site"}

    # A script's token, with no cookie: its origin carries nothing to abuse.
    assert client.post(url, headers={**bearer(token), **cross_site}).status_code == 200

    auth.login()
    assert client.post(url, headers={**bearer(token), **cross_site}).status_code == 403
    both = client.post(url, headers=bearer(token))
    assert both.status_code == 400
    assert both.json["description"] == "Send either a token or a session cookie, not both."


def test_each_token_is_rate_limited_per_minute(app, client, monkeypatch):
    app.config["API_TOKEN_RATE_LIMIT"] = 2
    start = utcnow().replace(second=15, microsecond=0)
    monkeypatch.setattr(access_tokens, "now", lambda: start)
    token, _ = new_token(app)
    others, _ = new_token(app, "bo@example.org")

    assert [client.get("/api/v1/me", headers=bearer(token)).status_code for _ in range(2)] == [200, 200]
    limited = client.get("/api/v1/me", headers=bearer(token))
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "45"
    assert client.get("/api/v1/me", headers=bearer(others)).status_code == 200  # counted per token

    monkeypatch.setattr(access_tokens, "now", lambda: start + timedelta(minutes=1))
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200


def test_logs_keep_only_the_first_characters_of_a_token(app):
    token = "fn_pat_" + "Zq9" * 14 + "x"
    for line in (f'127.0.0.1 "GET /api/v1/me?token={token} HTTP/1.1" 400',
                 f"Authorization: Bearer {token}"):
        masked = mask_secret_links(line)
        assert token not in masked and "fn_pat_Zq9Z***" in masked


def test_signing_out_every_other_device_says_which_tokens_still_work(app, client, auth):
    """A token is a script's, not a device's: "Sign out all other devices" leaves it working, and says so."""
    token, _ = new_token(app)
    _, revoked_id = new_token(app)
    auth.login()
    client.post(f"/account/tokens/{revoked_id}/revoke")
    page = client.post("/account/sign-out-others", follow_redirects=True).text
    assert "Every other device was signed out. Your 1 access token still works: if a script" in page
    assert app.test_client().get("/api/v1/me", headers=bearer(token)).status_code == 200  # as the page says

    with app.app_context():
        access_tokens.revoke_all(db.session.scalar(User.by_email("ana@example.org")))
        db.session.commit()
    page = client.post("/account/sign-out-others", follow_redirects=True).text
    assert "Every other device was signed out." in page and "still work" not in page
